using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LatentSharp.Autoencoder;
using LatentSharp.Cli.Generation;
using LatentSharp.Performance;
using LatentSharp.Text;
using LatentSharp.Training;
using LatentSharp.Shapes;
using LatentSharp.UNet;

namespace LatentSharp.Cli.Commands;

/// <summary>
/// `sd bench train`: training throughput of a model's configuration (by default the shipped model's), in
/// samples/s and achieved GFLOP/s, measured on a real `sd train unet` run in a temporary folder.
/// </summary>
public sealed class BenchTrainCommand : SdCommand
{
    /// <summary>The fp32 3×3-convolution rate on the reference machine, the yardstick for GFLOP/s.</summary>
    const double Fp32ConvRate = 220;

    readonly Option<string?> model = CliOption.OptionalString("--model",
        "a pipeline folder whose unet/, text_encoder/ and vae/ to use (default: the shipped model)", "PATH");
    readonly Option<int> steps = CliOption.Int("--steps", "measured steps", 30, 1, 100_000);
    readonly Option<int> warmup = CliOption.Int("--warmup", "unmeasured steps first", 10, 1, 100_000);
    readonly Option<int> batchSize = CliOption.Int("--batch-size", "examples per step", 32, 1, 4096);
    readonly Option<int> threads = CliOption.Int("--threads", "LibTorch threads (by default the processor count)", Environment.ProcessorCount, 1, 1024);
    readonly Option<bool> json = CliOption.Flag("--json", "one JSON object on stdout instead of the text");

    public BenchTrainCommand() : base("bench train",
        "measure training throughput (samples/s, GFLOP/s) of a model's U-Net and text encoder configuration", """
        Trains a fresh U-Net and text encoder with the configs of --model (its VAE encodes the data) on generated
        shapes images: --warmup steps unmeasured, then --steps measured. A training step counts as 3× the
        forward FLOPs (forward, and a backward of twice its cost) of the U-Net and the text encoder.
        """)
    {
        foreach (var option in new Option[] { model, steps, warmup, batchSize, threads, json }) Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        string model = parse.GetValue(this.model) ?? DefaultModel.Locate();
        int steps = parse.GetValue(this.steps), warmup = parse.GetValue(this.warmup);
        int batch = parse.GetValue(this.batchSize), threads = parse.GetValue(this.threads);
        bool json = parse.GetValue(this.json);
        var unet = ReadConfig<UNet2DConditionConfig>(model, "unet");
        var textEncoder = ReadConfig<ClipTextConfig>(model, "text_encoder");
        int latent = unet.SampleSize ?? throw new UsageException($"--model: {model}/unet/config.json has no sample_size");
        int resolution = latent * ReadConfig<AutoencoderKLConfig>(model, "vae").DownscaleFactor;
        TorchRuntime.Configure(threads);

        string work = Path.Combine(Path.GetTempPath(), "sd-bench-train-" + Guid.NewGuid().ToString("N"));
        try
        {
            string data = Path.Combine(work, "data");
            ShapesDatasetWriter.Write(new ShapesDataset(1, resolution), 4 * batch, data);
            double samplesPerSecond = Measure(work, data, model, resolution, unet, textEncoder, batch, warmup, steps);
            var forward = ModelFlops.UNet(unet, latent, latent) + ModelFlops.TextEncoder(textEncoder);
            double gflops = 3 * forward.Flops * samplesPerSecond / 1e9;
            Console.WriteLine(json
                ? string.Create(CultureInfo.InvariantCulture,
                    $$"""{"model":"{{Path.GetFullPath(model)}}","threads":{{threads}},"batch_size":{{batch}},"steps":{{steps}},"samples_per_second":{{samplesPerSecond:0.00}},"forward_gflop_per_sample":{{forward.Flops / 1e9:0.0000}},"gflop_per_second":{{gflops:0.0}},"share_of_fp32_conv_rate":{{gflops / Fp32ConvRate:0.000}}}""")
                : string.Create(CultureInfo.InvariantCulture,
                    $"{model}: {samplesPerSecond:0.0} samples/s at batch {batch}, {threads} threads; {forward.Flops / 1e9:0.000} GFLOP forward per sample " +
                    $"(U-Net + text encoder) → {gflops:0.0} GFLOP/s trained, {100 * gflops / Fp32ConvRate:0}% of the {Fp32ConvRate} GFLOP/s fp32 conv rate"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Samples per second over the measured steps (time between the progress reports that bound them).</summary>
    static double Measure(string work, string data, string model, int resolution, UNet2DConditionConfig unet, ClipTextConfig textEncoder,
        int batch, int warmup, int steps)
    {
        var options = new DiffusionTrainingOptions
        {
            DataFolder = data,
            Preprocessing = new ImagePreprocessing(Resolution: resolution),
            Vae = Path.Combine(model, "vae"),
            Unet = unet,
            TextEncoder = textEncoder,
            Optimization = new OptimizationOptions
            {
                Steps = warmup + steps, BatchSize = batch, WarmupSteps = 1,
                LogEvery = warmup + steps, SampleEvery = 1_000_000, CheckpointEvery = 1_000_000,
            },
        };
        using var trainer = DiffusionTrainer.Create(Path.Combine(work, "run"), options, _ => { });
        var clock = new Stopwatch();
        trainer.Train(progress =>
        {
            if (progress.Step == warmup) clock.Restart();
            if (progress.Step == warmup + steps) clock.Stop();
        });
        return (double)steps * batch / clock.Elapsed.TotalSeconds;
    }

    static T ReadConfig<T>(string model, string part)
    {
        string path = Path.Combine(model, part, "config.json");
        if (!File.Exists(path)) throw new UsageException($"--model: {path} not found (a diffusers pipeline folder is needed)");
        return ConfigJson.Read<T>(path);
    }
}
