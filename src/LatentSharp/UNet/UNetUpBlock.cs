using LatentSharp.Blocks;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>One level of the U-Net's expanding path.</summary>
internal abstract class UNetUpBlock(string name) : nn.Module(name)
{
    /// <summary>How many skip connections the block consumes (one per layer).</summary>
    public abstract int Layers { get; }

    /// <param name="skips">The skip connections for this block, in the order they were produced; the last is used first.</param>
    /// <param name="upsampleSize">[H, W] for the upsampler when it must match an odd-sized skip; null to double.</param>
    public abstract Tensor Forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor encoderHiddenStates, long[]? upsampleSize);

    /// <summary>resnet([h ‖ skip]) along the channels, with the concatenation released as soon as the resnet has read it.</summary>
    protected static Tensor ResnetOverSkip(ResnetBlock2D resnet, Tensor h, Tensor skip, Tensor temb)
    {
        using var joined = cat([h, skip], 1);
        return resnet.forward(joined, temb);
    }
}
