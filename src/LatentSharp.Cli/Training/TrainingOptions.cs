using System.CommandLine;
using LatentSharp.Performance;
using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Cli.Training;

/// <summary>
/// The options `sd train vae` and `sd train unet` share, declared once with each command's defaults: the run folder
/// and resuming (<see cref="Leading"/>), the data, export and optimisation options (<see cref="Trailing"/>), and the
/// rule that `--resume` takes a run's settings from its run.json. A new shared option is a field here, an entry in
/// <see cref="Leading"/> or <see cref="Trailing"/>, and — if it describes the run — in <see cref="RunOptions"/>.
/// </summary>
public sealed class TrainingOptions
{
    static readonly Dictionary<string, ScalarType?> ExportDtypes = new() { ["fp32"] = null, ["fp16"] = ScalarType.Float16 };

    public readonly Option<string?> Data = CliOption.OptionalString("--data",
        "images with metadata.jsonl (file_name, text) or a .txt caption beside each", "DIR");
    public readonly Option<string?> Out;
    public readonly Option<bool> Resume = CliOption.Flag("--resume", "continue the run in RUN from its newest checkpoint");
    public readonly Option<bool> ExportOnly = CliOption.Flag("--export-only",
        "with --resume: export the newest checkpoint now, without training (also mid-run)");

    public readonly Option<int> Resolution = CliOption.Int("--resolution", "image side for training", 64, 8, 4096, helpName: "PX");
    public readonly Option<bool> NoCenterCrop = CliOption.Flag("--no-center-crop", "squash whole images to squares instead of cropping the centre");
    public readonly Option<bool> RandomFlip;
    public readonly Option<double> EmaDecay;
    public readonly Option<string?> Export;
    public readonly TextOption<ScalarType?> ExportDtype = CliOption.Choice("--export-dtype", "dtype of the exported weights (on --resume, the run's own unless given)", ExportDtypes, "fp32");
    public readonly Option<int?> Threads = CliOption.OptionalInt("--threads", "CPU threads for LibTorch (default: LibTorch's choice)", 1, 256);

    public readonly Option<int> Steps, BatchSize, GradientAccumulation, WarmupSteps, LogEvery, SampleEvery, CheckpointEvery;
    public readonly Option<double> LearningRate, WeightDecay, MaxGradNorm;
    public readonly Option<long> Seed = CliOption.Long("--seed", "fixes initial weights, data order and every random draw", 0, helpName: "S");

    /// <param name="defaults">The command's optimisation defaults (shown by --help).</param>
    /// <param name="outputs">What the run folder holds, for --out's help.</param>
    /// <param name="export">Where the export goes by default, relative to the run folder ("vae", "model").</param>
    public TrainingOptions(OptimizationOptions defaults, string outputs, string export, string randomFlip, string emaDecay)
    {
        Out = CliOption.OptionalString("--out", $"run folder: {outputs}", "RUN", required: true);
        RandomFlip = CliOption.Flag("--random-flip", randomFlip);
        EmaDecay = CliOption.Double("--ema-decay", emaDecay, defaults.EmaDecay, 0, 0.999999);
        Export = CliOption.OptionalString("--export", $"where to write the export (default: RUN/{export}; on --resume, where the run was started to export)", "DIR");
        Steps = CliOption.Int("--steps", "optimizer steps", defaults.Steps, 1, 100_000_000);
        BatchSize = CliOption.Int("--batch-size", "examples per forward pass", defaults.BatchSize, 1, 4096);
        GradientAccumulation = CliOption.Int("--grad-accum", "forward passes per optimizer step", defaults.GradientAccumulation, 1, 1024);
        LearningRate = CliOption.Double("--lr", "peak learning rate of AdamW; linear warm-up, then cosine decay to 0", defaults.LearningRate, 1e-9, 1);
        WarmupSteps = CliOption.Int("--warmup", "warm-up steps", defaults.WarmupSteps, 0, 100_000_000);
        WeightDecay = CliOption.Double("--weight-decay", "AdamW weight decay", defaults.WeightDecay, 0, 10);
        MaxGradNorm = CliOption.Double("--max-grad-norm", "clip the gradients' global L2 norm (0 = off)", defaults.MaxGradNorm, 0, 1e6);
        LogEvery = CliOption.Int("--log-every", "a train_log.jsonl line every N steps", defaults.LogEvery, 1, 100_000_000);
        SampleEvery = CliOption.Int("--sample-every", "a sample image every N steps", defaults.SampleEvery, 1, 100_000_000);
        CheckpointEvery = CliOption.Int("--checkpoint-every", "a checkpoint every N steps; Ctrl-C or SIGTERM also writes one",
            defaults.CheckpointEvery, 1, 100_000_000);
    }

    /// <summary>The run folder and resuming: first in --help.</summary>
    public IEnumerable<Option> Leading => [Data, Out, Resume, ExportOnly];

    /// <summary>Data preprocessing, export and optimisation: after the command's own options.</summary>
    public IEnumerable<Option> Trailing =>
    [
        Resolution, NoCenterCrop, RandomFlip, EmaDecay, Export, ExportDtype, Threads,
        Steps, BatchSize, GradientAccumulation, LearningRate, WarmupSteps, WeightDecay, MaxGradNorm, Seed, LogEvery, SampleEvery, CheckpointEvery,
    ];

    /// <summary>Options describing a run: on `--resume` they come from run.json and may not be given again.</summary>
    IEnumerable<Option> RunOptions =>
    [
        Data, Steps, BatchSize, GradientAccumulation, LearningRate, WarmupSteps, WeightDecay, MaxGradNorm, EmaDecay, Seed,
        LogEvery, SampleEvery, CheckpointEvery, Resolution, NoCenterCrop, RandomFlip,
    ];

    public OptimizationOptions Optimization(ParseResult parse) => new OptimizationOptions
    {
        Steps = parse.GetValue(Steps),
        BatchSize = parse.GetValue(BatchSize),
        GradientAccumulation = parse.GetValue(GradientAccumulation),
        LearningRate = parse.GetValue(LearningRate),
        WarmupSteps = parse.GetValue(WarmupSteps),
        WeightDecay = parse.GetValue(WeightDecay),
        MaxGradNorm = parse.GetValue(MaxGradNorm),
        EmaDecay = parse.GetValue(EmaDecay),
        Seed = unchecked((ulong)parse.GetValue(Seed)),
        LogEvery = parse.GetValue(LogEvery),
        SampleEvery = parse.GetValue(SampleEvery),
        CheckpointEvery = parse.GetValue(CheckpointEvery),
        Threads = get_num_threads(),
    }.Validate();

    public ImagePreprocessing Preprocessing(ParseResult parse) => new(parse.GetValue(Resolution), CenterCrop: !parse.GetValue(NoCenterCrop));

    /// <summary>The data folder of a new run (required unless resuming).</summary>
    public string DataFolder(ParseResult parse) => parse.GetValue(Data) ?? throw new UsageException("--data is required (or --resume)");

    /// <summary>--export-only goes with --resume; returns (resume, exportOnly).</summary>
    public (bool Resume, bool ExportOnly) Mode(ParseResult parse)
    {
        bool resume = parse.GetValue(Resume), exportOnly = parse.GetValue(ExportOnly);
        if (exportOnly && !resume) throw new UsageException("--export-only goes with --resume (it exports the run's newest checkpoint)");
        return (resume, exportOnly);
    }

    /// <summary>Rejects options that describe the run when resuming it (they are fixed by its run.json).</summary>
    public void RejectRunOptions(ParseResult parse, IEnumerable<Option> more)
    {
        foreach (var option in RunOptions.Concat(more))
            if (parse.Given(option))
                throw new UsageException($"{option.Name} is fixed by the run being resumed (see its run.json); resume takes --out, --export, --export-dtype and --threads");
    }

    /// <summary>Sets LibTorch's thread count if --threads was given (a new run records the count it trains with).</summary>
    public void ApplyThreads(ParseResult parse)
    {
        if (parse.GetValue(Threads) is int n) set_num_threads(n);
    }

    /// <summary>
    /// A resumed run trains on the thread count it recorded, unless --threads says otherwise — then with a warning,
    /// since the continuation is no longer bit for bit the uninterrupted run.
    /// </summary>
    public void ApplyRunThreads(ParseResult parse, OptimizationOptions run)
    {
        var (threads, warning) = ResumedThreads(parse.GetValue(Threads), run.Threads);
        if (threads is int n) set_num_threads(n);
        if (warning != null) Console.Error.WriteLine(warning);
    }

    /// <summary>The thread count a resumed run uses (null: leave LibTorch's), and a warning when it is not the run's own.</summary>
    public static (int? Threads, string? Warning) ResumedThreads(int? given, int? recorded) => (given, recorded) switch
    {
        (null, _) => (recorded, null),
        (int g, int r) when g != r => (g, $"note: --threads {g} differs from the run's {r}: the resumed run will not be bit for bit the uninterrupted one"),
        _ => (given, null),
    };
}
