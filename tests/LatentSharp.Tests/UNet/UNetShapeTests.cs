using LatentSharp.Tests.Support;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Tests.UNet;

/// <summary>Inputs the fixtures do not cover: odd latent sizes, timestep forms, inpainting channels.</summary>
public class UNetShapeTests
{
    /// <summary>A 4-level U-Net (8× downsampling like SD) small enough to run on 65×65 latents in a test.</summary>
    static readonly UNet2DConditionConfig FourLevels = new()
    {
        BlockOutChannels = [32, 32, 32, 32],
        LayersPerBlock = 1,
        AttentionHeadDim = 2,
        CrossAttentionDim = 8,
        NormNumGroups = 8,
    };

    [Fact]
    public void LatentSidesNotDivisibleByTheDownsamplingKeepTheirSize()
    {
        using var scope = NewDisposeScope();
        using var unet = new UNet2DConditionModel(FourLevels);
        using var _ = no_grad();
        manual_seed(1);
        // 520×520 images give 65×65 latents: 65 → 33 → 17 → 9 down, and back up to each skip's size.
        var output = unet.forward(randn(1, 4, 65, 63), tensor(500L), randn(1, 5, 8));
        Assert.Equal([1L, 4, 65, 63], output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void EveryTimestepFormGivesTheSameResult()
    {
        using var scope = NewDisposeScope();
        var unet = TinyModels.Get(TinyModels.Sd1).Unet;
        var reference = Fixtures.Load("unet_sd1_b2_8x8_int");
        var (sample, context) = (reference["in.sample"], reference["in.encoder_hidden_states"]);
        using var _ = no_grad();

        var batch = unet.forward(sample, tensor(new long[] { 250, 250 }), context);
        TensorAssert.Close(batch, unet.forward(sample, tensor(250L), context), 0, "0-d int64");
        TensorAssert.Close(batch, unet.forward(sample, tensor(new long[] { 250 }), context), 0, "[1] int64");
        TensorAssert.Close(batch, unet.forward(sample, tensor(new[] { 250.0 }), context), 0, "[1] float64");
        TensorAssert.Close(batch, unet.forward(sample, tensor(250f), context), 0, "0-d float32");
    }

    [Fact]
    public void TimestepBatchOfTheWrongSizeIsRejected()
    {
        using var scope = NewDisposeScope();
        var unet = TinyModels.Get(TinyModels.Sd1).Unet;
        using var _ = no_grad();
        var e = Assert.Throws<LatentSharpException>(() => unet.forward(zeros(2, 4, 8, 8), tensor(new long[] { 1, 2, 3 }), zeros(2, 77, 32)));
        Assert.Contains("timestep", e.Message);
    }

    [Fact]
    public void InpaintingUNetTakesNineChannelsByConfig()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Get(TinyModels.Sd1).Unet.Config with { InChannels = 9 };
        using var unet = new UNet2DConditionModel(config);
        using var _ = no_grad();
        var output = unet.forward(randn(1, 9, 8, 16), tensor(10L), randn(1, 77, 32));
        Assert.Equal([1L, 4, 8, 16], output.shape);
    }

    [Fact]
    public void InterceptedBlockOutputsAreOwnedByTheCaller()
    {
        var unet = TinyModels.Get(TinyModels.Sd2).Unet;
        var blocks = new Dictionary<string, Tensor>();
        using (no_grad())
        using (NewDisposeScope())
            unet.Forward(zeros(1, 4, 8, 8), tensor(1L), zeros(1, 77, 16), blocks);
        Assert.Equal(["conv_in", "conv_norm_out", "conv_out", "down_blocks.0", "down_blocks.1", "mid_block", "time_embedding", "time_proj", "up_blocks.0", "up_blocks.1"],
            blocks.Keys.Order());
        Assert.All(blocks.Values, t => Assert.True(t.isfinite().all().item<bool>()));
        foreach (var t in blocks.Values) t.Dispose();
    }
}
