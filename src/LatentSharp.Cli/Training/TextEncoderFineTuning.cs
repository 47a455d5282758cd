using System.CommandLine;
using LatentSharp.Training;

namespace LatentSharp.Cli.Training;

/// <summary>
/// What the commands that fine-tune a text encoder (`sd train position-words`, `sd train phrasings`) do alike: they take
/// the shared training options less the image and weight-average ones, and run a new or resumed run to its export — the
/// base model with the trained encoder, never written over an export folder that already holds something.
/// </summary>
public static class TextEncoderFineTuning
{
    /// <summary>
    /// The shared trailing options these commands take: none about an image folder (the runs generate their captions or
    /// images) and no weight average (the term holding the encoder to the original's is what steadies the weights).
    /// </summary>
    public static IEnumerable<Option> Trailing(TrainingOptions training) =>
        training.Trailing.Except([training.Resolution, training.NoCenterCrop, training.RandomFlip, training.EmaDecay]);

    /// <summary>--base-model: the model a new run copies, its encoder to be trained.</summary>
    public static Option<string?> BaseModelOption() =>
        CliOption.OptionalString("--base-model", "the shapes model whose text encoder is fine-tuned (the rest is copied)", "MODEL");

    /// <summary>The base model of a new run; only --resume may leave it out (run.json has it).</summary>
    public static string BaseModel(ParseResult parse, Option<string?> baseModel) =>
        parse.GetValue(baseModel) ?? throw new UsageException("--base-model is required (or --resume)");

    /// <summary>The shared optimizer options, without the weight average these commands do not take (see <see cref="Trailing"/>).</summary>
    public static OptimizationOptions Optimization(ParseResult parse, TrainingOptions training) =>
        training.Optimization(parse) with { EmaDecay = 0 };

    /// <summary>Starts (or with --resume continues) the run in --out, trains it or only exports it, then measures and exports.</summary>
    /// <param name="command">"train phrasings": the progress label, and the resume hint is <c>sd COMMAND --out RUN --resume</c>.</param>
    /// <param name="runOptions">The command's own options that describe the run: refused on --resume, where run.json has them.</param>
    /// <param name="create">Starts a new run in the folder given (and throws <see cref="UsageException"/> for missing options).</param>
    /// <param name="resume">Continues the run in the folder given.</param>
    /// <param name="measurement">What the trained encoder measures now: printed before the export.</param>
    /// <param name="next">The line after "wrote MODEL; next: ", given the export folder.</param>
    /// <returns>The exit code of <see cref="TrainingConsole.Run"/>.</returns>
    public static int Run<TTrainer>(ParseResult parse, TrainingOptions training, string command, IEnumerable<Option> runOptions,
        Func<string, TTrainer> create, Func<string, TTrainer> resume, Func<TTrainer, string> measurement, Func<string, string> next)
        where TTrainer : TextEncoderFineTuner
    {
        string output = parse.GetValue(training.Out)!;
        var (resuming, exportOnly) = training.Mode(parse);
        var target = ExportTarget.Choose(parse, training, output, "model", resuming);
        var dtype = training.ExportDtype.Convert(target.Dtype);
        training.ApplyThreads(parse);

        TTrainer trainer;
        if (resuming)
        {
            training.RejectRunOptions(parse, runOptions);
            trainer = resume(output);
            training.ApplyRunThreads(parse, trainer.Options);
        }
        else trainer = create(output);
        using (trainer)
        {
            target.Record(output);
            return TrainingConsole.Run(trainer, command, $"sd {command} --out {output} --resume", exportOnly, () =>
            {
                Console.WriteLine(measurement(trainer));
                if (Directory.Exists(target.Path) && Directory.EnumerateFileSystemEntries(target.Path).Any())
                {
                    Console.WriteLine($"{target.Path} exists; not overwritten");
                    return;
                }
                trainer.Export(target.Path, dtype);
                Console.WriteLine($"wrote {target.Path}; next: {next(target.Path)}");
            });
        }
    }
}
