using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Blocks;

/// <summary>Doubles the resolution (nearest neighbour), or resizes to a given size, then a 3×3 convolution.</summary>
public sealed class Upsample2D : nn.Module<Tensor, long[]?, Tensor>
{
    readonly Conv2d conv;

    public Upsample2D(long channels, Device? device = null) : base(nameof(Upsample2D))
    {
        conv = nn.Conv2d(channels, channels, 3, padding: 1, device: device);
        RegisterComponents();
    }

    /// <param name="outputSize">[H, W] to resize to instead of doubling: the U-Net passes the skip
    /// connection's size when the latent's sides are not divisible by its total downsampling.</param>
    public override Tensor forward(Tensor hiddenStates, long[]? outputSize)
    {
        using var resized = outputSize is null
            ? nn.functional.interpolate(hiddenStates, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(hiddenStates, size: outputSize, mode: InterpolationMode.Nearest);
        return conv.ForwardAligned(resized);
    }
}
