using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using LatentSharp.Performance;
using LatentSharp.Text;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Sdxl;

/// <summary>The built-in SDXL 1.0 configs build networks of SDXL's published sizes (built on the meta device: no memory).</summary>
public class SdxlConfigsTests
{
    static long Parameters(nn.Module module) => module.parameters().Sum(p => p.numel());

    [Fact]
    public void Sdxl10NetworksHaveThePublishedParameterCounts()
    {
        var configs = StableDiffusionConfigs.Sdxl;
        using var unet = new UNet2DConditionModel(configs.Unet, META);
        using var text = new ClipTextModel(configs.TextEncoder, META);
        using var text2 = new ClipTextModelWithProjection(configs.TextEncoder2!, META);
        using var vae = new AutoencoderKL(configs.Vae, META);
        Assert.Equal(2_567_463_684, Parameters(unet));
        Assert.Equal(123_060_480, Parameters(text));
        Assert.Equal(694_659_840, Parameters(text2));
        Assert.Equal(83_653_863, Parameters(vae));
        SdxlConditioningShape.Check(configs, "built-in unet config");
    }

    [Fact]
    public void Sdxl10UNetFlopsGrowWithTheImage()
    {
        var config = StableDiffusionConfigs.Sdxl.Unet;
        var at512 = ModelFlops.UNet(config, 64, 64);
        var at1024 = ModelFlops.UNet(config, 128, 128);
        Assert.InRange(at512.Flops / 1e12, 1.58, 1.60);      // twice SD 1.5's 0.80 TFLOP at the same size
        Assert.InRange(at1024.Flops / 1e12, 6.75, 6.77);
        Assert.True(at1024.AttentionMacs > 10 * at512.AttentionMacs, "self-attention over 4× the tokens");
    }
}
