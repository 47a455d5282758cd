using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>Latent [B, latent_channels, h, w] → image [B, 3, h·f, w·f].</summary>
internal sealed class Decoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly UNetMidBlock2D mid_block;
    readonly ModuleList<UpDecoderBlock2D> up_blocks;
    readonly GroupNorm32 conv_norm_out;
    readonly Conv2d conv_out;

    public Decoder(AutoencoderKLConfig config, Device? device = null) : base(nameof(Decoder))
    {
        int[] reversed = config.BlockOutChannels.Reverse().ToArray();
        var resnet = AutoencoderKL.ResnetSettingsFor(config);
        conv_in = nn.Conv2d(config.LatentChannels, reversed[0], 3, padding: 1, device: device);
        mid_block = new UNetMidBlock2D(reversed[0], resnet, device);
        up_blocks = nn.ModuleList(Enumerable.Range(0, reversed.Length).Select(i =>
            new UpDecoderBlock2D(i == 0 ? reversed[0] : reversed[i - 1], reversed[i], config.LayersPerBlock + 1, resnet,
                addUpsample: i < reversed.Length - 1, device)).ToArray());
        conv_norm_out = new GroupNorm32(config.NormNumGroups, reversed[^1], resnet.Eps, device);
        conv_out = nn.Conv2d(reversed[^1], config.OutChannels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    /// <summary>How many of the last up blocks <see cref="ForwardInBands"/> computes in bands: the two at half and full resolution.</summary>
    const int BandedLevels = 2;

    public override Tensor forward(Tensor latent)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.ForwardAligned(latent).Then(mid_block.forward);
        foreach (var block in up_blocks) h = h.Then(block.forward);
        h = InPlace.Silu(h.Then(conv_norm_out.forward)).Then(conv_out.ForwardAligned);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="forward"/> with the two highest-resolution levels and the output head computed in row bands of
    /// <paramref name="bandRows"/> (even) rows, each group norm using the whole image's statistics: the same image
    /// (to float32 rounding), but those levels' temporaries follow the band, so decoding memory no longer grows
    /// with several image-sized copies of the largest activations. Inference only.
    /// </summary>
    public Tensor ForwardInBands(Tensor latent, long bandRows)
    {
        if (bandRows < 2 || bandRows % 2 != 0) throw new ArgumentException($"band rows must be even and at least 2 (got {bandRows})");
        using var scope = NewDisposeScope();
        var h = conv_in.ForwardAligned(latent).Then(mid_block.forward);
        int firstBanded = Math.Max(up_blocks.Count - BandedLevels, 0);
        for (int i = 0; i < up_blocks.Count; i++)
            h = i < firstBanded ? h.Then(up_blocks[i].forward) : h.Then(x => up_blocks[i].ForwardInBands(x, bandRows));
        return h.Then(x => OutputHeadInBands(x, new RowBands(x.shape[2], bandRows))).MoveToOuterDisposeScope();
    }

    Tensor OutputHeadInBands(Tensor h, RowBands bands)
    {
        using var folded = conv_norm_out.FoldOver(h, bands);
        var image = empty([h.shape[0], conv_out.out_channels, h.shape[2], h.shape[3]], h.dtype);
        foreach (var (start, rows) in bands.All())
        {
            using var bandScope = NewDisposeScope();
            var (halo, skip) = RowBands.WithHalo(h, start, rows);
            var convolved = conv_out.ForwardAligned(InPlace.Silu(folded.Apply(halo)));
            image.narrow(2, start, rows).copy_(RowBands.Own(convolved, skip, rows));
        }
        return image;
    }
}
