using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;
using TorchSharp;

namespace LatentSharp.Tests.Pipelines;

public class WeightReleaseTests
{
    [Theory]
    [InlineData("tiny-sd1")]
    [InlineData("tiny-sdxl")]
    public void ReleasingTheTextEncodersAfterEncodingChangesNothingButTheNextEncode(string model)
    {
        var request = new GenerationRequest { Prompt = "a photo of a cat", NegativePrompt = "blurry", Steps = 3, Seed = 4 };
        using var keeping = StableDiffusionPipeline.Load(Path.Combine(Fixtures.Root, model));
        using var releasing = StableDiffusionPipeline.Load(Path.Combine(Fixtures.Root, model));
        releasing.ReleaseTextEncodersAfterEncoding = true;

        using var kept = keeping.Generate(request);
        using var released = releasing.Generate(request);
        TensorAssert.Equal(kept.Latents, released.Latents, "latents");

        Assert.True(releasing.Model.TextEncodersReleased);
        var encoders = new TorchSharp.torch.nn.Module?[] { releasing.Model.TextEncoder, releasing.Model.TextEncoder2 }.OfType<TorchSharp.torch.nn.Module>();
        Assert.All(encoders.SelectMany(e => e.parameters()), p => Assert.Equal(DeviceType.META, p.device_type));
        var error = Assert.Throws<LatentSharpException>(() => releasing.Generate(request));
        Assert.Contains("released", error.Message);
        Assert.False(keeping.Model.TextEncodersReleased);
    }

    [Fact]
    public void ReleasingTheUnetAfterSamplingChangesNothingButTheNextSample()
    {
        var request = new GenerationRequest { Prompt = "a photo of a cat", Steps = 3, Seed = 5 };
        using var keeping = StableDiffusionPipeline.Load(Path.Combine(Fixtures.Root, "tiny-sd1"));
        using var releasing = StableDiffusionPipeline.Load(Path.Combine(Fixtures.Root, "tiny-sd1"));
        releasing.ReleaseUnetAfterSampling = true;

        AssertSameImages(keeping, releasing, request);

        Assert.True(releasing.Model.UnetReleased);
        Assert.All(releasing.Model.Unet.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        Assert.Contains("U-Net was released", Assert.Throws<LatentSharpException>(() => releasing.Generate(request)).Message);
        Assert.False(keeping.Model.UnetReleased);
    }

    [Theory]
    [InlineData("tiny-sd1")]
    [InlineData("tiny-sdxl")]
    public void ReturningTheHeapsFreePagesAfterEachStepChangesNoImage(string model)
    {
        var request = new GenerationRequest { Prompt = "a photo of a cat", NegativePrompt = "blurry", Steps = 4, Seed = 7 };
        using var keeping = StableDiffusionPipeline.Load(Path.Combine(Fixtures.Root, model));
        using var trimming = StableDiffusionPipeline.Load(Path.Combine(Fixtures.Root, model));
        trimming.ReturnFreedMemoryAfterEachStep = true;

        AssertSameImages(keeping, trimming, request);
        AssertSameImages(keeping, trimming, request with { Seed = 8 }); // the pipeline keeps working after the trims
    }

    [Theory]
    [InlineData("tiny-sd1", false)]
    [InlineData("tiny-sd1", true)]
    [InlineData("tiny-sdxl", false)]
    public void ADeferredVaeIsReadWhenFirstNeededAndGivesTheSameImages(string model, bool imageToImage)
    {
        string path = Path.Combine(Fixtures.Root, model);
        using var eager = StableDiffusionPipeline.Load(path, Precision.Fp32);
        using var deferred = StableDiffusionPipeline.Load(path, Precision.Fp32, deferVae: true);
        Assert.True(deferred.Model.VaePending);
        Assert.All(deferred.Model.Vae.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        Assert.False(eager.Model.VaePending);

        var request = new GenerationRequest { Prompt = "a photo of a cat", Steps = 3, Seed = 6 };
        if (imageToImage)
        {
            using var start = eager.Generate(request);
            request = request with { Image = start.Images[0], Strength = 0.6 };
        }
        AssertSameImages(eager, deferred, request);
        Assert.False(deferred.Model.VaePending);
        Assert.All(deferred.Model.Vae.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
    }

    /// <summary>Both pipelines generate <paramref name="request"/> to the same latents and decoded images, bit for bit.</summary>
    static void AssertSameImages(StableDiffusionPipeline expected, StableDiffusionPipeline actual, GenerationRequest request)
    {
        using var fromExpected = expected.Generate(request);
        using var fromActual = actual.Generate(request);
        TensorAssert.Equal(fromExpected.Latents, fromActual.Latents, "latents");
        TensorAssert.Equal(fromExpected.Decoded, fromActual.Decoded, "decoded images");
    }
}
