using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Sdxl;

/// <summary>SDXL through the one pipeline: every sampler, the second prompts, micro-conditioning defaults, and what the PNG records.</summary>
public class SdxlPipelineBehaviourTests
{
    static GenerationRequest Lighthouse(int steps = 2) =>
        new() { Prompt = "a lighthouse at dusk", NegativePrompt = "blurry", Steps = steps, Seed = 7, GuidanceScale = 5, Scheduler = "euler" };

    public static TheoryData<string> Samplers => [.. SchedulerFactory.Names];

    [Theory]
    [MemberData(nameof(Samplers))]
    public void EverySamplerRunsSdxl(string sampler)
    {
        using var result = TinyPipelines.Sdxl.Generate(Lighthouse(3) with { Scheduler = sampler });
        Assert.True(result.Latents.isfinite().all().item<bool>(), $"{sampler}: non-finite latents");
        Assert.Equal((64, 64), (result.Images[0].Width, result.Images[0].Height));   // tiny-sdxl's own size: sample_size 8 × 8
        Assert.Equal(SamplerNames.ToA1111(sampler), result.Parameters[0].Sampler);
    }

    [Fact]
    public void ImageToImageRunsWithAnAncestralSampler()
    {
        using var source = TinyPipelines.Sdxl.Generate(Lighthouse());
        using var result = TinyPipelines.Sdxl.Generate(Lighthouse(4) with { Image = source.Images[0], Strength = 0.5, Scheduler = "euler_a" });
        Assert.True(result.Latents.isfinite().all().item<bool>());
        Assert.Equal(0.5, result.Parameters[0].DenoisingStrength);
    }

    [Fact]
    public void InpaintingKeepsTheUnmaskedHalf()
    {
        using var source = TinyPipelines.Sdxl.Generate(Lighthouse());
        var mask = new RgbImage(64, 64);
        for (int y = 0; y < 64; y++)
            for (int x = 32; x < 64; x++) mask[x, y] = new Rgb(255, 255, 255);   // repaint the right half
        using var result = TinyPipelines.Sdxl.Generate(Lighthouse(4) with { Image = source.Images[0], Mask = mask, Scheduler = "euler_a", Seed = 9 });
        Assert.True(result.Latents.isfinite().all().item<bool>());
        // The kept half is pasted back at every step, so its latents end as the source's (up to the VAE round trip).
        double kept = TensorAssert.MaxAbsDiff(result.Decoded.narrow(3, 0, 24), source.Decoded.narrow(3, 0, 24));
        double repainted = TensorAssert.MaxAbsDiff(result.Decoded.narrow(3, 40, 24), source.Decoded.narrow(3, 40, 24));
        Assert.True(kept < repainted, $"kept half changed by {kept}, repainted half by {repainted}");
    }

    [Fact]
    public void TheSecondPromptReachesTheSecondEncoderAndDefaultsToTheFirst()
    {
        using var plain = TinyPipelines.Sdxl.Generate(Lighthouse());
        using var same = TinyPipelines.Sdxl.Generate(Lighthouse() with { Prompt2 = "a lighthouse at dusk", NegativePrompt2 = "blurry" });
        using var other = TinyPipelines.Sdxl.Generate(Lighthouse() with { Prompt2 = "an oil painting" });
        Assert.Equal(0, TensorAssert.MaxAbsDiff(plain.Latents, same.Latents));
        Assert.True(TensorAssert.MaxAbsDiff(plain.Latents, other.Latents) > 1e-3, "prompt 2 changed nothing");
        Assert.Contains(new KeyValuePair<string, string>("Prompt 2", "an oil painting"), other.Parameters[0].Extra);
    }

    [Fact]
    public void MicroConditioningDefaultsAreTheImageSizeAndNoCrop()
    {
        var request = Lighthouse() with { Width = 64, Height = 48 };
        using var implicitSizes = TinyPipelines.Sdxl.Generate(request);
        using var explicitSizes = TinyPipelines.Sdxl.Generate(request with
        {
            OriginalSize = new PixelSize(64, 48), CropTopLeft = new CropOffset(0, 0), TargetSize = new PixelSize(64, 48),
        });
        using var cropped = TinyPipelines.Sdxl.Generate(request with { OriginalSize = new PixelSize(1024, 768), CropTopLeft = new CropOffset(16, 32) });
        Assert.Equal(0, TensorAssert.MaxAbsDiff(implicitSizes.Latents, explicitSizes.Latents));
        Assert.True(TensorAssert.MaxAbsDiff(implicitSizes.Latents, cropped.Latents) > 1e-3, "micro-conditioning changed nothing");
        Assert.DoesNotContain(implicitSizes.Parameters[0].Extra, p => p.Key is "Original size" or "Crop top left" or "Target size");
        var extra = cropped.Parameters[0].Extra;
        Assert.Contains(new KeyValuePair<string, string>("Original size", "1024x768"), extra);
        Assert.Contains(new KeyValuePair<string, string>("Crop top left", "16,32"), extra);
        // The infotext survives the PNG round trip.
        var parsed = GenerationParameters.Parse(cropped.Parameters[0].Format());
        Assert.Contains(new KeyValuePair<string, string>("Original size", "1024x768"), parsed.Extra);
    }

    [Fact]
    public void WithoutGuidanceTheNegativePromptIsNotUsed()
    {
        using var a = TinyPipelines.Sdxl.Generate(Lighthouse() with { GuidanceScale = 0, NegativePrompt = "one thing" });
        using var b = TinyPipelines.Sdxl.Generate(Lighthouse() with { GuidanceScale = 0, NegativePrompt = null });
        Assert.Equal(0, TensorAssert.MaxAbsDiff(a.Latents, b.Latents));
    }

    [Fact]
    public void NegativePromptNotGivenAndEmptyDifferOnlyForSdxl()
    {
        using var none = TinyPipelines.Sdxl.Generate(Lighthouse() with { NegativePrompt = null });
        using var empty = TinyPipelines.Sdxl.Generate(Lighthouse() with { NegativePrompt = "" });
        Assert.True(TensorAssert.MaxAbsDiff(none.Latents, empty.Latents) > 1e-3, "zeros and the encoded empty prompt gave the same image");
        using var sd1None = TinyPipelines.Sd1.Generate(Lighthouse() with { NegativePrompt = null });
        using var sd1Empty = TinyPipelines.Sd1.Generate(Lighthouse() with { NegativePrompt = "" });
        Assert.Equal(0, TensorAssert.MaxAbsDiff(sd1None.Latents, sd1Empty.Latents));
    }

    [Fact]
    public void SdxlOptionsOnAnSd1ModelAreIgnoredWithAWarning()
    {
        var warnings = new List<string>();
        var pipeline = new StableDiffusionPipeline(TinyPipelines.Sd1.Model, TinyPipelines.Sd1.Tokenizer) { Warn = warnings.Add };
        using var result = pipeline.Generate(Lighthouse(1) with { Prompt2 = "an oil painting", OriginalSize = new PixelSize(1024, 1024) });
        Assert.Contains(warnings, w => w.Contains("apply to SDXL models only"));
    }

    [Fact]
    public void TrailingSpacingIsRecordedAndChangesTheSchedule()
    {
        var turbo = Lighthouse(1) with { GuidanceScale = 0, Scheduler = "euler_a", NegativePrompt = null };
        using var leading = TinyPipelines.Sdxl.Generate(turbo);
        using var trailing = TinyPipelines.Sdxl.Generate(turbo with { TimestepSpacing = "trailing" });
        Assert.True(TensorAssert.MaxAbsDiff(leading.Latents, trailing.Latents) > 1e-3);
        Assert.Contains(new KeyValuePair<string, string>("Timestep spacing", "trailing"), trailing.Parameters[0].Extra);
        var e = Assert.Throws<LatentSharpException>(() => TinyPipelines.Sdxl.Generate(turbo with { TimestepSpacing = "sideways" }));
        Assert.Contains("unknown timestep spacing 'sideways'", e.Message);
    }
}
