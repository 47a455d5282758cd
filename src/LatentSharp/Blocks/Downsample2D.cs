using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Blocks;

/// <summary>
/// Halves the resolution with a stride-2 3×3 convolution. The U-Net pads 1 on every side; the VAE encoder
/// (padding 0) pads only right and bottom by one, as the original LDM autoencoder did.
/// </summary>
internal sealed class Downsample2D : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    readonly bool padRightBottom;

    public Downsample2D(long channels, long padding, Device? device = null) : base(nameof(Downsample2D))
    {
        conv = nn.Conv2d(channels, channels, 3, stride: 2, padding: padding, device: device);
        padRightBottom = padding == 0;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        if (!padRightBottom) return conv.ForwardAligned(hiddenStates);
        using var padded = nn.functional.pad(hiddenStates, [0, 1, 0, 1]);
        return conv.ForwardAligned(padded);
    }
}
