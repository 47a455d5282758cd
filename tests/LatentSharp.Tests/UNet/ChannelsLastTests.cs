using LatentSharp.Layers;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;
using LatentSharp.UNet;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Tests.UNet;

/// <summary>The U-Net run channels-last (UNet2DConditionModel.Layout; bf16 pipelines loaded for inference choose it) against diffusers, and the layout switch itself.</summary>
public class ChannelsLastTests
{
    public static TheoryData<string, string> Cases => UNetParityTests.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDiffusersWithEveryBlockChannelsLast(string caseName, string modelName)
    {
        using var model = TinyModels.Load(modelName);
        model.Unet.Layout = ActivationLayout.ChannelsLast;
        UNetParityTests.CheckCase(model.Unet, caseName, (blocks, sample) =>
        {
            foreach (var name in blocks.Keys.Where(k => k.StartsWith("down_blocks.", StringComparison.Ordinal) || k.StartsWith("up_blocks.", StringComparison.Ordinal) || k == "mid_block"))
                Assert.True(MemoryLayout.IsChannelsLast(blocks[name]), $"{name} is not channels-last");
            Assert.True(sample.is_contiguous(), "the output is handed back channels-first");
        });
    }

    [Fact]
    public void TheLayoutRestridesTheConvolutionWeightsInPlaceAndBack()
    {
        using var model = TinyModels.Load(TinyModels.Sd1);
        var unet = model.Unet;
        var conv = unet.modules().OfType<Conv2d>().First(c => c.weight!.shape[2] == 3 && c.weight.shape[1] >= 16);
        var weight = conv.weight!;
        using var values = weight.detach().clone();

        unet.Layout = ActivationLayout.ChannelsLast;
        Assert.Same(weight, conv.weight);
        Assert.True(MemoryLayout.IsChannelsLast(weight), "3×3 weights stored channels-last");
        Assert.Equal(0, TensorAssert.MaxAbsDiff(weight, values));

        unet.Layout = ActivationLayout.ChannelsFirst;
        Assert.Same(weight, conv.weight);
        Assert.True(weight.is_contiguous(), "back to channels-first");
        Assert.Equal(0, TensorAssert.MaxAbsDiff(weight, values));
    }

    [Fact]
    public void RestridingTheWeightsLeavesNoHandleOnTheOldCopies()
    {
        using var model = TinyModels.Load(TinyModels.Sd1);
        using var scope = NewDisposeScope();
        // A temporary left undisposed would hold an old weight's storage until a finalizer ran: SD 1.5's channels-last
        // generate once peaked 0.9 GB (bf16) above channels-first that way.
        model.Unet.Layout = ActivationLayout.ChannelsLast;
        Assert.Equal(0, scope.DisposablesCount);
        model.Unet.Layout = ActivationLayout.ChannelsFirst;
        Assert.Equal(0, scope.DisposablesCount);
    }

    [Fact]
    public void ModelsRunChannelsFirstAndBf16PipelinesLoadedForInferenceChannelsLast()
    {
        using var model = TinyModels.Load(TinyModels.Sd1);
        Assert.Equal(ActivationLayout.ChannelsFirst, model.Unet.Layout);   // what training builds on
        Assert.All(model.Unet.parameters(), p => Assert.True(p.is_contiguous()));
        Assert.Equal(ActivationLayout.ChannelsFirst, LatentSharp.Tests.Pipelines.TinyPipelines.Sd1.Model.Unet.Layout); // float32
        using var bf16 = StableDiffusionPipeline.Load(Path.Combine(Fixtures.Root, "tiny-sd1"), Precision.Bf16);
        // A CPU without native bf16 arithmetic gets float32, and with it channels-first.
        Assert.Equal(bf16.Model.Precision == Precision.Bf16 ? ActivationLayout.ChannelsLast : ActivationLayout.ChannelsFirst, bf16.Model.Unet.Layout);
    }

    [Fact]
    public void APipelineChannelsLastGivesTheChannelsFirstImageWithinTheBatchTolerance()
    {
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        var request = new GenerationRequest { Prompt = "a photo of a cat", Steps = 4, Seed = 3, Scheduler = "euler" };
        pipeline.Model.Unet.Layout = ActivationLayout.ChannelsFirst;
        using var channelsFirst = pipeline.Generate(request);
        pipeline.Model.Unet.Layout = ActivationLayout.ChannelsLast;
        using var channelsLast = pipeline.Generate(request);
        // oneDNN sums in another order on channels-last data: the 1e-3 on latents issue 13 allows for batch against alone.
        TensorAssert.Close(channelsLast.Latents, channelsFirst.Latents, 1e-3, "channels-last vs channels-first latents");
    }

    [Fact]
    public void ALoraMergesIntoAChannelsLastWeightAsIntoAContiguousOne()
    {
        manual_seed(5);
        using var contiguous = randn(32, 16, 3, 3);
        using var restrided = MemoryLayout.ToChannelsLast(contiguous);
        var layer = new LatentSharp.Adapters.LoraLayer("lora_unet_test", randn(4, 16, 3, 3), randn(32, 4, 1, 1), 2.0);
        using var a = new Parameter(contiguous.clone(), requires_grad: false);
        using var b = new Parameter(restrided.clone(), requires_grad: false);
        Assert.True(MemoryLayout.IsChannelsLast(b), "the clone kept the channels-last strides");

        LatentSharp.Adapters.LoraMerge.AddTo(a, layer, 0.8);
        LatentSharp.Adapters.LoraMerge.AddTo(b, layer, 0.8);

        Assert.True(MemoryLayout.IsChannelsLast(b), "merged in place, strides kept");
        Assert.True(TensorAssert.MaxAbsDiff(a, contiguous) > 0.01, "the LoRA changed the weight");
        Assert.Equal(0, TensorAssert.MaxAbsDiff(a, b));
    }
}
