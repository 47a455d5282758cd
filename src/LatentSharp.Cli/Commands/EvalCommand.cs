using System.CommandLine;
using LatentSharp.Adapters;
using LatentSharp.Cli.Generation;
using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Shapes;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd eval`: prompt adherence of a shapes model, scored by the independent judge, at one or several guidance scales.</summary>
public sealed class EvalCommand : SdCommand
{
    readonly Option<string?> model = CliOption.OptionalString("--model", "the model (default: $LATENTSHARP_MODEL, else the shipped model)", "PATH");
    readonly Option<double[]> guidance = CliOption.Doubles("--guidance", "comma-separated guidance scales, e.g. 1,2,3,5,7.5,10", [5]);
    readonly Option<int> steps = CliOption.Int("--steps", "sampling steps", 25, 1, 1000);
    readonly Option<string?> scheduler = GenerationOptions.SchedulerOption("dpmpp_2m");
    readonly Option<int> seeds = CliOption.Int("--seeds", "seeds per prompt", 4, 1, 64);
    readonly Option<int?> prompts = CliOption.OptionalInt("--prompts",
        "use only the first N prompts of each group (seen, held-out) in proportion (default: all 240)", 1, EvalPromptSet.Default.Count);
    readonly Option<string> gridPrompt = CliOption.String("--grid-prompt", "the prompt of guidance_grid.png",
        "a large red circle in the center on a blue background");
    readonly Option<string?> output = CliOption.OptionalString("--out", "output folder (default: outputs/eval-DATE-TIME)", "DIR");
    readonly Option<string[]> lora = new AdapterOptions().Lora;
    readonly Option<string[]> embedding = new AdapterOptions().Embedding;
    readonly Option<string?> color = CliOption.Parsed<string?>("--color",
        "score 60 prompts of shapes in this colour instead of the default set (e.g. pink, taught by a LoRA)", "NAME", text =>
        {
            try { return ShapesVocabulary.Word(ShapesVocabulary.ParseColor(text)); }
            catch (LatentSharpException e) { throw new UsageException($"--color: {e.Message}"); }
        });

    public EvalCommand() : base("eval", "score a shapes model's prompt adherence (and a guidance sweep) with the shapes judge", """
        Generates the fixed evaluation prompt set (240 prompts naming shape, colour, background, position and
        size; 40 of them use the colour–shape pairs held out of training) over several seeds, reads every image
        back with the shapes judge (deterministic image analysis) and writes:
          OUT/report.json       settings, the judge's own accuracy on ground truth, scores per guidance scale
                                (seen and held-out pairs, per held-out pair), diversity, every judged sample
          OUT/samples.png       prompts × seeds at the first scale, with what the judge saw
        and with several scales also:
          OUT/guidance.md       a table: adherence per attribute and diversity per scale
          OUT/guidance.png      the same as a plot
          OUT/guidance_grid.png one prompt, rows = scales, columns = seeds
        """)
    {
        foreach (var option in new Option[] { model, guidance, steps, scheduler, seeds, prompts, gridPrompt, output, lora, embedding, color }) Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        double[] scales = parse.GetValue(guidance)!;
        if (scales.Length == 0 || scales.Any(s => s < 0 || s > 100)) throw new UsageException("--guidance must list scales between 0 and 100");
        var settings = new EvalSettings { Steps = parse.GetValue(steps), Scheduler = parse.GetValue(scheduler)!, Seeds = parse.GetValue(seeds) };
        var promptSet = parse.GetValue(color) is { } c ? EvalPromptSet.ForColor(ShapesVocabulary.ParseColor(c)) : EvalPromptSet.Default;
        var prompts = Subset(promptSet, parse.GetValue(this.prompts) ?? promptSet.Count);
        var loras = (parse.GetValue(lora) ?? []).Select(AdapterOptions.ParseLora).Select(l => new LoraApplication(LoraFile.Load(l.Path), l.Scale)).ToList();
        string gridPrompt = parse.GetValue(this.gridPrompt)!;
        string outDir = parse.GetValue(output) ?? Path.Combine("outputs", $"eval-{DateTime.Now:yyyyMMdd-HHmmss}");
        string modelPath = parse.GetValue(model) ?? DefaultModel.Locate();

        var embeddings = (parse.GetValue(embedding) ?? []).Select(path => TextualInversionFile.Load(path)).ToList();

        using var pipeline = ModelLoading.Load(modelPath);
        pipeline.Loras = loras;
        pipeline.SetEmbeddings(embeddings);
        foreach (var e in embeddings) Console.Error.WriteLine($"embedding {e.Path}: the word '{e.Word}', {e.VectorCount} vector(s)");
        foreach (var l in loras) Console.Error.WriteLine($"LoRA {l.File.Path} at scale {l.UnetScale}");
        var judgeCheck = ShapesEvaluation.JudgeOnGroundTruth();
        Console.Error.WriteLine($"judge on 1000 ground-truth images: shape {judgeCheck.Shape:P1}, colour {judgeCheck.Color:P1}, " +
                                $"background {judgeCheck.Background:P1}, position {judgeCheck.Position:P1}, size {judgeCheck.Size:P1}");

        var results = new List<ScaleResult>();
        using (var bar = new ProgressBar("evaluating", (long)prompts.Count * scales.Length))
            foreach (double scale in scales)
            {
                int done = results.Count * prompts.Count;
                var evaluation = new ShapesEvaluation(pipeline) { OnPrompt = (k, _) => bar.Report(done + k, $"guidance {scale}") };
                results.Add(evaluation.Run(prompts, settings with { GuidanceScale = scale }));
            }

        var report = new EvalReport(pipeline.Model.Name, settings with { GuidanceScale = scales[0] }, prompts.Count, judgeCheck, results);
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.json"), report.ToJson());
        PngWriter.Write(Path.Combine(outDir, "samples.png"), EvalFigures.SampleGrid(results[0]));
        if (scales.Length > 1) WriteSweep(pipeline, report, gridPrompt, settings, outDir);

        if (Terminal.OutputIsInteractive)
        {
            var table = ConsoleTable.Create(EvalReport.TableColumns);
            foreach (var row in report.TableRows()) table.AddCells(row);
            ConsoleTable.Write(table);
        }
        else Console.Write(report.ToMarkdownTable()); // in a pipe or log: the markdown of guidance.md
        Console.WriteLine($"wrote {outDir}/report.json, samples.png{(scales.Length > 1 ? ", guidance.md, guidance.png, guidance_grid.png" : "")}");
        return 0;
    }

    static void WriteSweep(StableDiffusionPipeline pipeline, EvalReport report, string prompt, EvalSettings settings, string outDir)
    {
        AtomicFile.WriteAllText(Path.Combine(outDir, "guidance.md"), report.ToMarkdownTable());
        EvalFigures.GuidancePlot(report.Scales).Save(Path.Combine(outDir, "guidance.png"));
        var seeds = Enumerable.Range(0, 6).Select(i => 100L + i).ToList();
        var rows = report.Scales.Select(r =>
        {
            using var result = pipeline.Generate(new GenerationRequest
            {
                Prompt = prompt, GuidanceScale = r.GuidanceScale, Steps = settings.Steps, Scheduler = settings.Scheduler,
                Seed = seeds[0], BatchSize = seeds.Count,
            });
            return (r.GuidanceScale, (IReadOnlyList<RgbImage>)result.Images.ToList());
        }).ToList();
        PngWriter.Write(Path.Combine(outDir, "guidance_grid.png"), EvalFigures.ScaleGrid(prompt, rows, seeds));
    }

    /// <summary>The first prompts of the set, keeping the seen/held-out proportion (at least one held-out prompt).</summary>
    static IReadOnlyList<EvalPrompt> Subset(IReadOnlyList<EvalPrompt> all, int count)
    {
        if (count >= all.Count) return all;
        int heldOut = Math.Max(1, count * all.Count(p => p.HeldOut) / all.Count);
        // Held-out prompts come in groups of 8 per pair: take them round-robin so every pair is represented.
        var heldOutPrompts = all.Where(p => p.HeldOut).Select((p, i) => (p, i)).OrderBy(x => x.i % 8).ThenBy(x => x.i).Select(x => x.p);
        return [.. all.Where(p => !p.HeldOut).Take(count - heldOut), .. heldOutPrompts.Take(heldOut)];
    }
}
