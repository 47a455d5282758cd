using System.CommandLine;
using LatentSharp.Adapters;
using LatentSharp.Cli.Training;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd train lora`: trains a LoRA on a frozen base model and writes it as a kohya-format .safetensors.</summary>
public sealed class TrainLoraCommand : SdCommand
{
    static readonly LoraTrainingOptions Defaults = new() { DataFolder = "", BaseModel = "" };

    static readonly Dictionary<string, LoraTargets> TargetSets = new()
    {
        ["attention"] = LoraTargets.Attention, ["transformer"] = LoraTargets.Transformer,
        ["locon"] = LoraTargets.Locon,
    };

    readonly TrainingOptions training = new(Defaults.Optimization, "run.json, checkpoints/, samples/, train_log.jsonl, loss.png, lora.safetensors",
        "lora.safetensors",
        randomFlip: "also train on mirror images, with \"left\" and \"right\" swapped in their captions",
        emaDecay: "largest decay of the LoRA matrices' moving average (0 = off)");

    readonly Option<string?> baseModel = CliOption.OptionalString("--base-model", "diffusers folder or single file the LoRA is for (kept frozen)", "MODEL");
    readonly Option<int> rank = CliOption.Int("--rank", "LoRA rank (kohya's network_dim)", Defaults.Rank, 1, 1024, helpName: "R");
    readonly Option<double?> alpha = CliOption.OptionalDouble("--alpha", "kohya's network_alpha: ΔW = alpha / rank · B·A (default: the rank)", 1e-6, 1e6);
    readonly TextOption<LoraTargets> targets = CliOption.Choice("--targets",
        "U-Net layers: attention (to_q, to_k, to_v, to_out), transformer (also feed-forward and proj_in/out, kohya's default) or locon (also the ResNet and sampler convolutions)", TargetSets, "attention");
    readonly Option<bool> trainTextEncoder = CliOption.Flag("--train-text-encoder", "also train LoRA matrices on the text encoder's attention (q, k, v, out)");
    readonly Option<string?> newWord = CliOption.OptionalString("--new-word",
        "learn WORD of the captions as a new token with the LoRA (pivotal tuning), written as WORD.safetensors beside it for --embedding", "WORD");
    readonly Option<string?> newWordInit = CliOption.OptionalString("--new-word-init",
        "start the new word from this word's token vectors, e.g. red for pink (default: the new word's own pieces)", "WORD");
    readonly Option<double> captionDropout = CliOption.Double("--caption-dropout", "share of captions replaced by \"\"", Defaults.CaptionDropout, 0, 1);
    readonly LossWeightingOptions weighting = new();
    readonly Option<string?> samplePrompts = CliOption.OptionalString("--sample-prompts",
        "prompts of the sample grid, one per line (default: 8 shapes prompts)", "FILE");
    readonly Option<int> sampleSteps = CliOption.Int("--sample-steps", "sampling steps of the grid", 25, 1, 1000);
    readonly Option<double> guidance = CliOption.Double("--guidance", "guidance scale of the grid", 5, 0, 100);

    public TrainLoraCommand() : base("train lora", "train a LoRA on a frozen model and write a kohya-format .safetensors", """
        sd train lora --data DIR --out RUN --base-model MODEL --rank R [options]   a new LoRA
        sd train lora --out RUN --resume                                            continue a run

        Trains low-rank matrices (ΔW = alpha/rank · B·A) on the base model's U-Net attention projections (and, with
        --train-text-encoder, the text encoder's) to predict the noise of the images' latents from their captions;
        the base model stays as it is. The result is a kohya / A1111 LoRA file with kohya's ss_* training record,
        for `sd generate --lora FILE:SCALE`, <lora:NAME:SCALE> in prompts, A1111, ComfyUI and diffusers.
        """)
    {
        foreach (var option in training.Leading) Add(option);
        foreach (var option in new Option[] { baseModel, rank, alpha, targets, trainTextEncoder, newWord, newWordInit, captionDropout, weighting.SnrGamma, weighting.SnrFloor, samplePrompts, sampleSteps, guidance })
            Add(option);
        foreach (var option in training.Trailing) Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        string output = parse.GetValue(training.Out)!;
        var (resume, exportOnly) = training.Mode(parse);
        var target = ExportTarget.Choose(parse, training, output, "lora.safetensors", resume);
        string export = target.Path;
        var dtype = training.ExportDtype.Convert(target.Dtype);
        training.ApplyThreads(parse);

        LoraTrainer trainer;
        if (resume)
        {
            training.RejectRunOptions(parse, [baseModel, rank, alpha, targets, trainTextEncoder, newWord, newWordInit, captionDropout, weighting.SnrGamma, weighting.SnrFloor, samplePrompts, sampleSteps, guidance]);
            trainer = LoraTrainer.Resume(output, TrainingConsole.Report);
            training.ApplyRunThreads(parse, trainer.Options);
        }
        else trainer = LoraTrainer.Create(output, NewRun(parse), TrainingConsole.Report);
        using (trainer)
        {
            trainer.CheckWordEmbeddingPath(export);   // before training, not when its result is written; and before it is recorded
            target.Record(output);
            return TrainingConsole.Run(trainer, "train lora", $"sd train lora --out {output} --resume", exportOnly, () =>
            {
                trainer.Export(export, dtype);
                using var check = LoraFile.Load(export);
                Console.WriteLine($"wrote {export} ({new FileInfo(export).Length / 1e3:F1} kB, {check.Layers.Count} layers)");
                string? embedding = trainer.ExportWord(export, dtype);
                if (embedding != null)
                {
                    using var word = TextualInversionFile.Load(embedding);
                    Console.WriteLine($"wrote {embedding} (the word '{word.Word}', {word.VectorCount} vector)");
                }
                Console.WriteLine($"try: sd generate \"PROMPT\" --model {trainer.BaseModel.SourcePath} --lora {export}:1" +
                                  (embedding != null ? $" --embedding {embedding}" : ""));
            });
        }
    }

    LoraTrainingOptions NewRun(ParseResult parse)
    {
        var optimization = training.Optimization(parse);
        return new LoraTrainingOptions
        {
            DataFolder = training.DataFolder(parse),
            BaseModel = parse.GetValue(baseModel) ?? throw new UsageException("--base-model is required (or --resume)"),
            Preprocessing = training.Preprocessing(parse),
            RandomFlip = parse.GetValue(training.RandomFlip),
            Rank = parse.GetValue(rank),
            Alpha = parse.GetValue(alpha),
            Targets = targets.Read(parse),
            TrainTextEncoder = parse.GetValue(trainTextEncoder),
            NewWord = parse.GetValue(newWord),
            NewWordInit = parse.GetValue(newWordInit),
            CaptionDropout = parse.GetValue(captionDropout),
            SnrGamma = parse.GetValue(weighting.SnrGamma),
            SnrFloor = parse.GetValue(weighting.SnrFloor),
            Samples = new SampleSettings
            {
                Prompts = parse.GetValue(samplePrompts) is { } file ? ReadPrompts(file) : null,
                Steps = parse.GetValue(sampleSteps),
                GuidanceScale = parse.GetValue(guidance),
            },
            Optimization = optimization,
        };
    }

    static IReadOnlyList<string> ReadPrompts(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--sample-prompts: {path} not found");
        var prompts = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        return prompts.Count > 0 ? prompts : throw new UsageException($"--sample-prompts: {path} has no prompts");
    }
}
