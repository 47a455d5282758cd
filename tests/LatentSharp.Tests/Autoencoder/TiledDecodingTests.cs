using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Tests.Support;
using LatentSharp.Shapes;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Autoencoder;

public class TiledDecodingTests(ITestOutputHelper output)
{
    [Fact]
    public void TilesSpreadEvenlyWithAtLeastTheOverlap()
    {
        var tiling = new VaeTiling(64, 16);
        Assert.Equal([0], tiling.Starts(64));
        Assert.Equal([0, 32, 64], tiling.Starts(128));
        Assert.Equal([0, 16], tiling.Starts(80));
        Assert.Throws<ArgumentException>(() => new VaeTiling(32, 16).Starts(100));
    }

    /// <summary>No seam by construction: along a side the tiles' weights sum to 1 everywhere, and a tile's weight
    /// fades to zero where it ends inside the image, so no tile edge shows.</summary>
    [Fact]
    public void CrossFadeWeightsSumToOneAndVanishAtInnerTileEdges()
    {
        const int factor = 8, tile = 24;
        var starts = new VaeTiling(tile, 8).Starts(56);
        var total = zeros(56 * factor);
        for (int i = 0; i < starts.Count; i++)
        {
            var w = TiledDecoding.Weights(starts, i, tile, factor);
            total.narrow(0, starts[i] * factor, tile * factor).add_(w);
            if (i > 0) Assert.True(w[0].item<float>() < 0.02, $"tile {i} starts at weight {w[0].item<float>()}");
            if (i < starts.Count - 1) Assert.True(w[^1].item<float>() < 0.02, $"tile {i} ends at weight {w[^1].item<float>()}");
        }
        TensorAssert.Close(ones(56 * factor), total, 1e-6, "sum of tile weights");
    }

    [Fact]
    public void ALatentThatFitsOneTileDecodesExactlyAsUntiled()
    {
        var vae = TinyModels.Get(TinyModels.Sd1).Vae;
        using var _ = inference_mode();
        using var latent = randn(1, 4, 16, 16, generator: new TorchSharp.torch.Generator(1));
        using var whole = vae.Decode(latent);
        using var tiled = TiledDecoding.Decode(vae, latent, new VaeTiling(16, 4));
        TensorAssert.Equal(whole, tiled, "one tile");
    }

    /// <summary>
    /// Each tile normalises and attends over itself only, so a tiled decode differs from the untiled one (with
    /// this random-weight VAE, a lot, and roughly: too roughly to tell a seam from the rest, which the weights
    /// test above covers). Where tiles overlap the result must be no further from the untiled decode, and
    /// jump no more between neighbouring pixels, than inside single tiles.
    /// </summary>
    [Fact]
    public void TileOverlapsAreNoWorseThanTileInteriors()
    {
        var vae = TinyModels.Get(TinyModels.Sd1).Vae;
        var tiling = new VaeTiling(24, 8);
        using var _ = inference_mode();
        using var latent = SmoothLatent(48);
        using var whole = vae.Decode(latent);
        using var tiled = TiledDecoding.Decode(vae, latent, tiling);

        var d = TilingDifference.Measure(whole, tiled, tiling, vae.Config.DownscaleFactor);

        Assert.True(d.MaxJumpAtBorders <= 1.5 * d.MaxJumpElsewhere + 1e-3, $"seam: {d}");
        Assert.True(d.MaxAtBorders <= d.MaxElsewhere, $"tile borders differ most: {d}");
    }

    /// <summary>
    /// With a trained VAE (the shipped model's) on real content: a 256² mosaic of 16 shapes images, encoded and
    /// decoded whole and in 32-latent-pixel tiles. Each tile takes its own group-norm statistics, so the tiled
    /// decode differs from the whole one everywhere (measured: up to 0.29 of full scale inside tiles, 0.27 on
    /// the overlaps); the cross-fade must keep the overlaps no worse than that and add no seam there.
    /// </summary>
    [Fact]
    public void ATrainedVaeShowsNoSeamsOnRealImages()
    {
        using var model = StableDiffusionModel.Load(ShippedModel.Folder);
        var vae = model.Vae;
        var tiling = new VaeTiling(32, 8);
        using var _ = inference_mode();
        var tiles = new ShapesDataset(seed: 5).Take(16).Select(s => s.Image).ToList();
        using var mosaic = ImageTensors.ToModelSpace(tiles).view(4, 4, 3, 64, 64).permute(2, 0, 3, 1, 4).reshape(1, 3, 256, 256);
        using var latent = vae.Encode(mosaic).Mean;
        using var whole = (vae.Decode(latent) + 1) / 2;
        using var tiled = (TiledDecoding.Decode(vae, latent, tiling) + 1) / 2;

        var d = TilingDifference.Measure(whole, tiled, tiling, vae.Config.DownscaleFactor);
        output.WriteLine(d.ToString());

        Assert.True(d.MaxAtBorders <= d.MaxElsewhere, $"tiles differ from the whole decode most on their overlaps: {d}");
        Assert.True(d.MaxJumpAtBorders <= d.MaxJumpElsewhere + 0.02, $"seam: {d}");
    }

    /// <summary>A latent with image-like structure (smooth variation across space), as an encoder would give.</summary>
    static Tensor SmoothLatent(int side)
    {
        using var coarse = randn(1, 4, side / 8, side / 8, generator: new TorchSharp.torch.Generator(3));
        return nn.functional.interpolate(coarse, size: [side, side], mode: InterpolationMode.Bilinear, align_corners: false);
    }
}
