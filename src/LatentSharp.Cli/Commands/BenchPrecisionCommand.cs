using System.CommandLine;
using System.Globalization;
using LatentSharp.Checkpoints;
using LatentSharp.Cli.Benchmarking;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd bench precision`: how far the bf16 fast path lands from fp32, same weights, same seed.</summary>
public sealed class BenchPrecisionCommand : SdCommand
{
    readonly Option<string> model = CliOption.String("--model",
        $"{BenchModels.RandomSd15} or {BenchModels.RandomSdxl} (its bf16 copy is rounded from the fp32 weights) or a model folder/file",
        BenchModels.RandomSd15, helpName: "M");
    readonly Option<string?> tokenizer = CliOption.OptionalString("--tokenizer", "CLIP tokenizer folder", "DIR");
    readonly Option<int> size = CliOption.Int("--size", "image side in pixels, a multiple of 64", 512, 64, 4096);
    readonly Option<int> steps = CliOption.Int("--steps", "guided sampling steps", 4, 1, 1000);
    readonly Option<int> threads = CliOption.Int("--threads", "LibTorch threads (by default the processor count)", Environment.ProcessorCount, 1, 1024);

    public BenchPrecisionCommand() : base("bench precision",
        "compare bf16 with fp32 on one model: relative error of the latents, finiteness, image PSNR",
        "Generates the same image (prompt, seed, euler) in fp32 and in bf16 with the same weights.")
    {
        foreach (var option in new Option[] { model, tokenizer, size, steps, threads }) Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        string model = parse.GetValue(this.model)!;
        string? tokenizer = parse.GetValue(this.tokenizer);
        int size = parse.GetValue(this.size), steps = parse.GetValue(this.steps), threads = parse.GetValue(this.threads);
        if (size % 64 != 0) throw new UsageException($"--size must be a multiple of 64 (got {size})");
        if (!CpuFeatures.HasBf16) Console.Error.WriteLine($"note: {PrecisionChoice.For(Precision.Bf16).Notice}; bf16 is emulated and slow here");

        TorchRuntime.Configure(threads);
        var request = new GenerationRequest
        {
            Prompt = BenchModels.Prompt, Width = size, Height = size, Steps = steps, Scheduler = "euler", Seed = 1, GuidanceScale = 7.5,
        };
        using var inference = inference_mode();
        using var fp32 = BenchModels.Open(model, Precision.Fp32, tokenizer, _ => { });
        using var reference = fp32.Generate(request);
        using var bf16 = BenchModels.IsRandom(model)
            ? new StableDiffusionPipeline(RoundedCopy(fp32.Model), fp32.Tokenizer, fp32.Tokenizer2)
            : StableDiffusionPipeline.Load(model, ScalarType.BFloat16, tokenizer);
        using var fast = bf16.Generate(request);

        double relative = ((fast.Latents - reference.Latents).norm() / reference.Latents.norm()).item<float>();
        double mse = (fast.Decoded - reference.Decoded).square().mean().item<float>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model} {size}² {steps} steps: latents bf16 vs fp32 relative error {relative:0.0000} (‖Δ‖/‖fp32‖), " +
            $"finite {fast.Latents.isfinite().all().item<bool>()}; image PSNR {10 * Math.Log10(1 / Math.Max(mse, 1e-20)):0.0} dB"));
        return 0;
    }

    /// <summary>The same model with every weight rounded to bf16 (a random model cannot be drawn twice identically in two dtypes).</summary>
    static StableDiffusionModel RoundedCopy(StableDiffusionModel source)
    {
        var copy = StableDiffusionModel.Create(source.Configs, source.Name, Precision.Bf16, source.TokenizerPath);
        using var _ = no_grad();
        var pairs = new (nn.Module? To, nn.Module? From)[]
        {
            (copy.TextEncoder, source.TextEncoder), (copy.TextEncoder2, source.TextEncoder2), (copy.Unet, source.Unet), (copy.Vae, source.Vae),
        }.Where(pair => pair.To != null).Select(pair => (To: pair.To!, From: pair.From!));
        foreach (var (to, from) in pairs.SelectMany(pair => pair.To.parameters().Zip(pair.From.parameters())))
            to.copy_(from);
        return copy;
    }
}
