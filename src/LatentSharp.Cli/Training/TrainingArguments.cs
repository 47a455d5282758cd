using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Cli.Training;

/// <summary>The options `sd train vae` and `sd train unet` share, and the rules for `--resume`.</summary>
public static class TrainingArguments
{
    public const string OptimizationUsage = """
          --steps N             optimizer steps (default {steps})
          --batch-size N        examples per forward pass (default {batch})
          --grad-accum N        forward passes per optimizer step (default 1)
          --lr X                peak learning rate of AdamW (default {lr}); linear warm-up, then cosine decay to 0
          --warmup N            warm-up steps (default {warmup})
          --weight-decay X      AdamW weight decay (default 0.01)
          --max-grad-norm X     clip the gradients' global L2 norm (default 1; 0 = off)
          --seed S              fixes initial weights, data order and every random draw (default 0)
          --log-every N         a train_log.jsonl line every N steps (default 50)
          --sample-every N      a sample image every N steps (default {sample})
          --checkpoint-every N  a checkpoint every N steps (default 500); Ctrl-C or SIGTERM also writes one
          --export-dtype T      fp32 or fp16 for the exported weights (default fp32)
          --threads N           CPU threads for LibTorch (default: LibTorch's choice)
        """;

    /// <summary>Options describing a run: on `--resume` they come from run.json and may not be given again.</summary>
    static readonly string[] RunOptions =
    [
        "data", "steps", "batch-size", "grad-accum", "lr", "warmup", "weight-decay", "max-grad-norm", "ema-decay", "seed",
        "log-every", "sample-every", "checkpoint-every", "resolution", "no-center-crop", "random-flip",
    ];

    public static OptimizationOptions Optimization(Arguments args, OptimizationOptions defaults) => new OptimizationOptions
    {
        Steps = args.Int("steps", defaults.Steps, 1, 100_000_000),
        BatchSize = args.Int("batch-size", defaults.BatchSize, 1, 4096),
        GradientAccumulation = args.Int("grad-accum", defaults.GradientAccumulation, 1, 1024),
        LearningRate = args.Double("lr", defaults.LearningRate, 1e-9, 1),
        WarmupSteps = args.Int("warmup", defaults.WarmupSteps, 0, 100_000_000),
        WeightDecay = args.Double("weight-decay", defaults.WeightDecay, 0, 10),
        MaxGradNorm = args.Double("max-grad-norm", defaults.MaxGradNorm, 0, 1e6),
        EmaDecay = args.Double("ema-decay", defaults.EmaDecay, 0, 0.999999),
        Seed = unchecked((ulong)args.Long("seed", 0)),
        LogEvery = args.Int("log-every", defaults.LogEvery, 1, 100_000_000),
        SampleEvery = args.Int("sample-every", defaults.SampleEvery, 1, 100_000_000),
        CheckpointEvery = args.Int("checkpoint-every", defaults.CheckpointEvery, 1, 100_000_000),
    }.Validate();

    public static ImagePreprocessing Preprocessing(Arguments args) =>
        new(args.Int("resolution", 64, 8, 4096), CenterCrop: !args.Flag("no-center-crop"));

    /// <summary>Rejects options that describe the run when resuming it (they are fixed by its run.json).</summary>
    public static void RejectRunOptions(Arguments args, IEnumerable<string> more)
    {
        foreach (var name in RunOptions.Concat(more))
            if (args.Has(name)) throw new UsageException($"--{name} is fixed by the run being resumed (see its run.json); resume takes --out, --export, --export-dtype and --threads");
    }

    public static ScalarType? ExportDtype(Arguments args) => args.String("export-dtype", "fp32") switch
    {
        "fp32" => null,
        "fp16" => ScalarType.Float16,
        var other => throw new UsageException($"--export-dtype must be fp32 or fp16 (got '{other}')"),
    };

    public static void Threads(Arguments args)
    {
        if (args.Has("threads")) set_num_threads(args.Int("threads", 1, 1, 256));
    }

    public static string Usage(string text, OptimizationOptions defaults) => text
        .Replace("{steps}", defaults.Steps.ToString())
        .Replace("{batch}", defaults.BatchSize.ToString())
        .Replace("{lr}", defaults.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Replace("{warmup}", defaults.WarmupSteps.ToString())
        .Replace("{sample}", defaults.SampleEvery.ToString());
}
