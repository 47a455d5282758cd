using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Autoencoder;

/// <summary>
/// Banded decoding must be the untiled decode, not an approximation of it: every group norm uses the whole
/// image's statistics and every band's convolution sees its neighbours' rows.
/// </summary>
public class BandedDecodingTests
{
    // tiny-sd1's VAE: 4 levels (8×), so a 12×20 latent is a 96×160 image; bands of 8 rows cut the two banded
    // levels (48 and 96 rows high) into 6 and 12 bands, the last of them shorter where the height is not a multiple.
    [Theory]
    [InlineData(12, 20, 8)]
    [InlineData(13, 9, 6)]
    [InlineData(8, 8, 64)]
    public void BandsGiveTheUntiledImageInFloat32(int height, int width, int bandRows)
    {
        var vae = TinyModels.Get(TinyModels.Sd1).Vae;
        using var _ = inference_mode();
        using var latent = randn(2, 4, height, width, generator: new TorchSharp.torch.Generator(4));
        using var whole = vae.Decode(latent);
        using var banded = vae.DecodeInBands(latent, bandRows);
        TensorAssert.Close(whole, banded, 2e-5, $"{height}×{width} latent in bands of {bandRows} rows");
    }

    [Fact]
    public void BandsGiveTheUntiledImageInBfloat16()
    {
        using var model = StableDiffusionModel.Load(Fixtures.TinySd1, ScalarType.BFloat16);
        var vae = model.Vae;
        using var _ = inference_mode();
        using var latent = randn(1, 4, 12, 12, generator: new TorchSharp.torch.Generator(5)).to(ScalarType.BFloat16);
        using var whole = vae.Decode(latent).to(ScalarType.Float32);
        using var banded = vae.DecodeInBands(latent, 10).to(ScalarType.Float32);
        // bf16 rounds each layer's output to 8 bits of mantissa; summed in another order, the two differ by a few ulps.
        double scale = whole.abs().max().item<float>();
        double worst = (whole - banded).abs().max().item<float>();
        Assert.True(worst < 0.02 * scale, $"largest difference {worst:G3} of {scale:G3}");
    }

    [Fact]
    public void OddBandRowsAreRefused() =>
        Assert.Throws<ArgumentException>(() => TinyModels.Get(TinyModels.Sd1).Vae.DecodeInBands(zeros(1, 4, 8, 8), 7));
}
