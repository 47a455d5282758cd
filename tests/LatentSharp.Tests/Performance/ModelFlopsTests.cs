using LatentSharp.Checkpoints;
using LatentSharp.Performance;

namespace LatentSharp.Tests.Performance;

/// <summary>The FLOP counts walked from the configs against the published SD 1.5 figures.</summary>
public class ModelFlopsTests
{
    static void Near(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 0.005 * expected, $"{what}: {actual / 1e9:0.0} G, expected {expected / 1e9:0.0} G");

    [Fact]
    public void Sd15UNetAt64x64()
    {
        var flops = ModelFlops.UNet(StableDiffusionConfigs.Sd15.Unet, 64, 64);
        Near(222e9, flops.ConvMacs, "conv MACs");
        Near(116.6e9, flops.LinearMacs, "linear MACs");
        Near(63.0e9, flops.AttentionMacs, "attention MACs");
        Near(0.803e12, flops.Flops, "FLOPs");
    }

    [Fact]
    public void Sd15VaeAndTextEncoder()
    {
        var configs = StableDiffusionConfigs.Sd15;
        Near(2.515e12, ModelFlops.VaeDecoder(configs.Vae, 64, 64).Flops, "VAE decode at 512²");
        Near(1.117e12, ModelFlops.VaeEncoder(configs.Vae, 512, 512).Flops, "VAE encode at 512²");
        Near(13.3e9, ModelFlops.TextEncoder(configs.TextEncoder).Flops, "text encoder, 77 tokens");
    }

    [Fact]
    public void CountsScaleWithTheLatentArea()
    {
        var config = StableDiffusionConfigs.Sd15.Unet;
        var small = ModelFlops.UNet(config, 32, 32);
        var large = ModelFlops.UNet(config, 64, 64);
        Near(4 * small.ConvMacs, large.ConvMacs, "conv ×4 area");
        Assert.True(large.AttentionMacs > 4 * small.AttentionMacs, "self-attention grows with the square of the tokens");
    }
}
