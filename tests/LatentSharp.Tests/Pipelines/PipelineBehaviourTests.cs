using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Pipelines;

public class PipelineBehaviourTests
{
    static GenerationRequest Cat(int steps = 5) => new() { Prompt = "a photo of a cat", NegativePrompt = "blurry", Steps = steps, Seed = 11 };

    [Fact]
    public void EachImageOfABatchCanBeRegeneratedAlone()
    {
        var request = Cat() with { BatchSize = 3, Scheduler = "euler_a" };
        using var batch = TinyPipelines.Sd1.Generate(request);
        using var third = TinyPipelines.Sd1.Generate(request with { BatchSize = 1, Seed = request.Seed + 2 });
        Assert.Equal(new long[] { 11, 12, 13 }, batch.Seeds);
        // Not bit for bit: the U-Net runs channels-last on the CPU, and oneDNN's kernels for a batch of 3 and of 1 sum
        // in different orders (1.4e-4 here); issue 13 settled the tolerance at 1e-3 on latents.
        TensorAssert.Close(third.Latents, batch.Latents.narrow(0, 2, 1), 1e-3, "image 2 of the batch vs alone");
        Assert.True(TensorAssert.MaxAbsDiff(batch.Latents.narrow(0, 0, 1), batch.Latents.narrow(0, 1, 1)) > 0.1, "images of a batch differ");
        Assert.Equal(13, batch.Parameters[2].Seed);
    }

    [Fact]
    public void SameSeedSameImage()
    {
        using var a = TinyPipelines.Sd1.Generate(Cat() with { Scheduler = "dpmpp_2m" });
        using var b = TinyPipelines.Sd1.Generate(Cat() with { Scheduler = "dpmpp_2m" });
        Assert.Equal(a.Images[0].Pixels, b.Images[0].Pixels);
    }

    [Fact]
    public void LatentSidesNotDivisibleByTheUNetDownsamplingWork()
    {
        // 72 px → 9×9 latents on a U-Net that halves once, as 520×520 → 65×65 on SD.
        using var result = TinyPipelines.Sd1.Generate(Cat(2) with { Width = 72, Height = 88 });
        Assert.Equal(new long[] { 1, 4, 11, 9 }, result.Latents.shape);
        Assert.Equal((72, 88), (result.Images[0].Width, result.Images[0].Height));
    }

    [Fact]
    public void LongPromptsAreTruncatedWithAWarningNamingTheDroppedWords()
    {
        var warnings = new List<string>();
        var pipeline = new StableDiffusionPipeline(TinyPipelines.Sd1.Model, TinyPipelines.Sd1.Tokenizer) { Warn = warnings.Add };
        string prompt = string.Join(" ", Enumerable.Repeat("cat", 80)) + " zebra giraffe";
        using var result = pipeline.Generate(Cat(1) with { Prompt = prompt });
        var warning = Assert.Single(warnings);
        Assert.Contains("truncated", warning);
        Assert.Contains("zebra giraffe", warning);
    }

    [Fact]
    public void AtGuidanceOneTheNegativePromptIsNotUsed()
    {
        using var a = TinyPipelines.Sd1.Generate(Cat(3) with { GuidanceScale = 1.0, NegativePrompt = "one thing" });
        using var b = TinyPipelines.Sd1.Generate(Cat(3) with { GuidanceScale = 1.0, NegativePrompt = "something else entirely" });
        Assert.Equal(0, TensorAssert.MaxAbsDiff(a.Latents, b.Latents));
        using var c = TinyPipelines.Sd1.Generate(Cat(3) with { GuidanceScale = 3.0, NegativePrompt = "one thing" });
        Assert.True(TensorAssert.MaxAbsDiff(a.Latents, c.Latents) > 1e-3);
    }

    public static IEnumerable<object[]> BadRequests()
    {
        var image = new RgbImage(64, 64, new Rgb(10, 20, 30));
        yield return [Cat() with { Width = 60 }, "multiple of 8"];
        yield return [Cat() with { Height = 0 }, "multiple of 8"];
        yield return [Cat() with { Steps = 0 }, "steps"];
        yield return [Cat() with { Steps = -3 }, "steps"];
        yield return [Cat() with { GuidanceScale = -1 }, "guidance"];
        yield return [Cat() with { Scheduler = "turbo" }, "valid: ddpm"];
        yield return [Cat() with { Image = image, Strength = 0 }, "strength"];
        yield return [Cat() with { Image = image, Strength = 1.5 }, "strength"];
        yield return [Cat() with { Image = image, Mask = new RgbImage(32, 64) }, "same size"];
        yield return [Cat() with { Mask = image }, "needs an image"];
        yield return [Cat(2) with { Image = image, Strength = 0.2 }, "no step"];
        yield return [Cat(1000) with { Scheduler = "pndm" }, "past the schedule"];
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void BadRequestsFailWithOneLine(GenerationRequest request, string fault)
    {
        var e = Assert.Throws<LatentSharpException>(() => TinyPipelines.Sd1.Generate(request).Dispose());
        Assert.Contains(fault, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ImageToImageAtLowStrengthStaysCloseToTheImage()
    {
        using var start = TinyPipelines.Sd1.Generate(Cat(4));
        var image = start.Images[0];
        using var light = TinyPipelines.Sd1.Generate(Cat(10) with { Image = image, Strength = 0.3 });
        using var heavy = TinyPipelines.Sd1.Generate(Cat(10) with { Image = image, Strength = 1.0 });
        // Compare in latent space: the tiny model's random VAE does not reproduce images.
        using var noise = new NoiseSource(Cat().Seed);
        using var pixels = ImageTensors.ToModelSpace(image);
        using var encoded = LatentPreparation.EncodeImage(TinyPipelines.Sd1.Model.Vae, pixels, noise);
        double lightDiff = TensorAssert.MaxAbsDiff(light.Latents, encoded), heavyDiff = TensorAssert.MaxAbsDiff(heavy.Latents, encoded);
        Assert.True(lightDiff < heavyDiff / 2, $"strength 0.3 moved the latents by {lightDiff}, strength 1.0 by {heavyDiff}");
    }

    [Fact]
    public void InpaintingKeepsTheUnmaskedLatentsOfAnOrdinaryModel()
    {
        var pipeline = TinyPipelines.Sd1;
        using var start = pipeline.Generate(Cat(3));
        var image = start.Images[0];
        var mask = new RgbImage(64, 64, new Rgb(0, 0, 0));
        for (int y = 0; y < 64; y++) for (int x = 32; x < 64; x++) mask[x, y] = new Rgb(255, 255, 255);

        using var result = pipeline.Generate(Cat(6) with { Image = image, Mask = mask, Seed = 5 });
        // The last step pastes back the un-noised latents of the image: the kept half equals its encoding.
        using var noise = new NoiseSource(5);
        using var pixels = ImageTensors.ToModelSpace(image);
        using var encoded = LatentPreparation.EncodeImage(pipeline.Model.Vae, pixels, noise);
        TensorAssert.Close(encoded.narrow(3, 0, 4), result.Latents.narrow(3, 0, 4), 1e-5, "kept half");
        Assert.True(TensorAssert.MaxAbsDiff(encoded.narrow(3, 4, 4), result.Latents.narrow(3, 4, 4)) > 0.05, "masked half repainted");

        using var inverted = pipeline.Generate(Cat(6) with { Image = image, Mask = mask, Seed = 5, InvertMask = true });
        TensorAssert.Close(encoded.narrow(3, 4, 4), inverted.Latents.narrow(3, 4, 4), 1e-5, "kept half (inverted mask)");
    }

    [Fact]
    public void NineChannelInpaintingUNetsGetTheMaskAndMaskedImage()
    {
        var configs = TinyPipelines.Sd1.Model.Configs;
        using var model = LatentSharp.Checkpoints.StableDiffusionModel.Create(configs with { Unet = configs.Unet with { InChannels = 9 } }, "inpaint-random");
        var pipeline = new StableDiffusionPipeline(model, TinyPipelines.Sd1.Tokenizer);
        var image = new RgbImage(64, 64, new Rgb(200, 30, 30));
        var maskA = new RgbImage(64, 64, new Rgb(0, 0, 0));
        var maskB = new RgbImage(64, 64, new Rgb(255, 255, 255));
        using var a = pipeline.Generate(Cat(3) with { Image = image, Mask = maskA });
        using var b = pipeline.Generate(Cat(3) with { Image = image, Mask = maskB });
        Assert.Equal(new long[] { 1, 4, 8, 8 }, a.Latents.shape);
        Assert.True(TensorAssert.MaxAbsDiff(a.Latents, b.Latents) > 1e-4, "the mask reaches the U-Net");
        Assert.Throws<LatentSharpException>(() => pipeline.Generate(Cat(2)).Dispose());
    }

    [Fact]
    public void EveryImageCarriesItsParameters()
    {
        using var result = TinyPipelines.Sd1.Generate(Cat(3) with { Scheduler = "dpmpp_2m_karras", GuidanceScale = 6, ClipSkip = 1 });
        var p = result.Parameters[0];
        Assert.Equal(("a photo of a cat", "blurry", 3, "DPM++ 2M Karras", 6.0, 11L, 64, 64, "tiny-sd1"),
            (p.Prompt, p.NegativePrompt, p.Steps, p.Sampler, p.CfgScale, p.Seed, p.Width, p.Height, p.Model));
        Assert.Contains(p.Extra, kv => kv.Key == "Clip skip" && kv.Value == "2");
        Assert.Equal(p, GenerationParameters.Parse(p.Format()));
    }
}
