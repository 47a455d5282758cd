using System.CommandLine;
using LatentSharp.Cli.Training;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd train phrasings`: fine-tunes a shapes model's text encoder so every phrasing of a caption means what the canonical one means.</summary>
public sealed class TrainPhrasingsCommand : SdCommand
{
    static readonly PhrasingDistillationOptions Defaults = new() { BaseModel = "" };

    readonly TrainingOptions training = new(Defaults.Optimization,
        "run.json, checkpoints/, samples/ (one caption in every phrasing), train_log.jsonl, loss.png, eval.jsonl, eval.png, model/",
        "model", randomFlip: "", emaDecay: "");

    readonly Option<string?> baseModel = TextEncoderFineTuning.BaseModelOption();
    readonly Option<double> holdWeight = CliOption.Double("--hold-weight",
        "weight of the terms holding the canonical caption's clean estimate and the empty caption's context to the original encoder's: what keeps the prompts the U-Net follows now",
        Defaults.HoldWeight, 0, 1e6, helpName: "W");
    readonly Option<double?> smallShare = CliOption.OptionalDouble("--small-share", "share of the generated images with a small shape (default: half)", 0, 1);
    readonly TimestepBiasOptions timestepBias = new(Defaults.TimestepBias);
    readonly Option<int> evalEvery = CliOption.Int("--eval-every",
        "measure each phrasing's distance to the canonical caption (eval.jsonl, eval.png) every N steps", Defaults.EvaluateEvery, 1, 100_000_000);

    public TrainPhrasingsCommand() : base("train phrasings", "fine-tune a shapes model's text encoder so every phrasing of a caption means what the canonical one means", """
        sd train phrasings --base-model MODEL --out RUN [options]   a new run
        sd train phrasings --out RUN --resume                        continue a run

        A shapes model trained on captions that are half the canonical sentence ("a large red circle at the top left on
        a blue background") learns its position words there and not in the rarer phrasings ("centered", "in the lower
        right", "…, small, at the bottom, black background"). This renders shapes images of seen colour-shape pairs,
        noises their latents, and trains the text encoder so that the model's own frozen U-Net, reading a paraphrase,
        makes the clean estimate it makes from the canonical caption through the original encoder; the canonical
        caption's estimate and the empty caption's context are held where they were. models/shapes-training/README.md, issue 12.
        """)
    {
        foreach (var option in new Option[] { training.Out, training.Resume, training.ExportOnly, baseModel, holdWeight, smallShare, evalEvery }.Concat(timestepBias.All))
            Add(option);
        foreach (var option in TextEncoderFineTuning.Trailing(training)) Add(option);
    }

    protected override int Run(ParseResult parse) => TextEncoderFineTuning.Run(parse, training, "train phrasings",
        [baseModel, holdWeight, smallShare, evalEvery, .. timestepBias.All],
        create: output => PhrasingDistillationTrainer.Create(output, new PhrasingDistillationOptions
        {
            BaseModel = TextEncoderFineTuning.BaseModel(parse, baseModel),
            HoldWeight = parse.GetValue(holdWeight),
            SmallShare = parse.GetValue(smallShare),
            TimestepBias = timestepBias.Read(parse),
            EvaluateEvery = parse.GetValue(evalEvery),
            Optimization = TextEncoderFineTuning.Optimization(parse, training),
        }, TrainingConsole.Report),
        resume: output => PhrasingDistillationTrainer.Resume(output, TrainingConsole.Report),
        measurement: trainer => PhrasingDistillationTrainer.Describe(trainer.Measure()),
        next: model => $"sd eval --model {model}");
}
