using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>Latent [B, latent_channels, h, w] → image [B, 3, h·f, w·f].</summary>
public sealed class Decoder : nn.Module<Tensor, Tensor>
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

    public override Tensor forward(Tensor latent)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.ForwardAligned(latent).Then(mid_block.forward);
        foreach (var block in up_blocks) h = h.Then(block.forward);
        h = InPlace.Silu(h.Then(conv_norm_out.forward)).Then(conv_out.ForwardAligned);
        return h.MoveToOuterDisposeScope();
    }
}
