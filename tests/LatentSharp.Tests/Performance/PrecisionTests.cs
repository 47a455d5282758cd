using LatentSharp.Checkpoints;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Performance;

public class PrecisionTests
{
    [Fact]
    public void Bf16FallsBackToFp32WithOneLineOnCpusWithoutBf16()
    {
        var fallback = PrecisionChoice.For(Precision.Bf16, cpuHasBf16: false);
        Assert.Equal(Precision.Fp32, fallback.Effective);
        Assert.False(string.IsNullOrWhiteSpace(fallback.Notice));
        Assert.DoesNotContain('\n', fallback.Notice!);

        Assert.Equal(new PrecisionChoice(Precision.Bf16, Precision.Bf16, null), PrecisionChoice.For(Precision.Bf16, cpuHasBf16: true));
        Assert.Equal(new PrecisionChoice(Precision.Fp32, Precision.Fp32, null), PrecisionChoice.For(Precision.Fp32, cpuHasBf16: false));
    }

    [Theory]
    [InlineData("bf16", Precision.Bf16)]
    [InlineData("BFloat16", Precision.Bf16)]
    [InlineData("fp32", Precision.Fp32)]
    [InlineData("fp16", null)]
    public void PrecisionNamesParse(string text, Precision? expected) => Assert.Equal(expected, PrecisionNames.TryParse(text));

    [Fact]
    public void LoadingInBf16GivesBf16WeightsOrTheFallbackNotice()
    {
        var notices = new List<string>();
        using var model = StableDiffusionModel.Load(Fixtures.TinySd1, Precision.Bf16, notice: notices.Add);
        var expected = CpuFeatures.HasBf16 ? Precision.Bf16 : Precision.Fp32;
        Assert.Equal(expected, model.Precision);
        Assert.All(new TorchSharp.torch.nn.Module[] { model.TextEncoder, model.Unet, model.Vae }.SelectMany(m => m.parameters()),
            p => Assert.Equal(expected.DType(), p.dtype));
        Assert.Equal(CpuFeatures.HasBf16 ? 0 : 1, notices.Count);
    }

    /// <summary>
    /// The fast path end to end on the tiny pipeline: same seed, bf16 against fp32. The latents stay finite and
    /// close (bf16 keeps 8 significant bits, and guidance at 7.5 amplifies the difference of the two passes; norms, softmax and the scheduler run in float32: one U-Net pass differs by about 1.5%, 4 steps by about 5%), and the images agree
    /// to well above 30 dB PSNR.
    /// </summary>
    [Fact]
    public void Bf16PipelineStaysCloseToFp32()
    {
        using var fp32 = StableDiffusionPipeline.Load(Fixtures.TinySd1, Precision.Fp32);
        using var bf16 = StableDiffusionPipeline.Load(Fixtures.TinySd1, Precision.Bf16);
        var request = new GenerationRequest { Prompt = "a photo of a cat", Steps = 4, Scheduler = "euler", Seed = 7 };
        using var reference = fp32.Generate(request);
        using var fast = bf16.Generate(request);

        Assert.True(fast.Latents.isfinite().all().item<bool>(), "bf16 latents are not finite");
        double relative = ((fast.Latents - reference.Latents).norm() / reference.Latents.norm()).item<float>();
        Assert.True(relative < 0.1, $"bf16 latents differ from fp32 by {relative:P2}");
        double mse = (fast.Decoded - reference.Decoded).square().mean().item<float>();
        double psnr = 10 * Math.Log10(1 / Math.Max(mse, 1e-12));
        Assert.True(psnr >= 30, $"bf16 image PSNR {psnr:0.0} dB against fp32");
    }

    /// <summary>A bf16 random model is drawn directly in bf16 and runs finite.</summary>
    [Fact]
    public void RandomModelsAreBuiltInTheRequestedPrecision()
    {
        StableDiffusionConfigSet configs;
        using (var checkpoint = StableDiffusionCheckpoint.Open(Fixtures.TinySd1)) configs = checkpoint.Configs;
        using var model = StableDiffusionModel.Create(configs, "tiny-random", Precision.Bf16);
        Assert.Equal(CpuFeatures.HasBf16 ? Precision.Bf16 : Precision.Fp32, model.Precision);
        using var _ = inference_mode();
        var dtype = model.Precision.DType();
        using var output = model.Unet.forward(randn([2, 4, 16, 16], dtype), tensor(500L), randn([2, 77, configs.Unet.CrossAttentionDimPerBlock()[0]], dtype));
        Assert.True(output.isfinite().all().item<bool>());
    }
}
