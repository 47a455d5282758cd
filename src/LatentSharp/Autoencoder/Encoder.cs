using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>Image [B, 3, H, W] → Gaussian moments [B, 2·latent_channels, H/f, W/f] (mean ‖ log-variance).</summary>
public sealed class Encoder : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly ModuleList<DownEncoderBlock2D> down_blocks;
    readonly UNetMidBlock2D mid_block;
    readonly GroupNorm32 conv_norm_out;
    readonly Conv2d conv_out;

    public Encoder(AutoencoderKLConfig config, Device? device = null) : base(nameof(Encoder))
    {
        int[] channels = config.BlockOutChannels;
        var resnet = AutoencoderKL.ResnetSettingsFor(config);
        conv_in = nn.Conv2d(config.InChannels, channels[0], 3, padding: 1, device: device);
        down_blocks = nn.ModuleList(Enumerable.Range(0, channels.Length).Select(i =>
            new DownEncoderBlock2D(i == 0 ? channels[0] : channels[i - 1], channels[i], config.LayersPerBlock, resnet,
                addDownsample: i < channels.Length - 1, device)).ToArray());
        mid_block = new UNetMidBlock2D(channels[^1], resnet, device);
        conv_norm_out = new GroupNorm32(config.NormNumGroups, channels[^1], resnet.Eps, device);
        conv_out = nn.Conv2d(channels[^1], 2 * config.LatentChannels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.ForwardAligned(image);
        foreach (var block in down_blocks) h = h.Then(block.forward);
        h = h.Then(mid_block.forward);
        h = InPlace.Silu(h.Then(conv_norm_out.forward)).Then(conv_out.ForwardAligned);
        return h.MoveToOuterDisposeScope();
    }
}
