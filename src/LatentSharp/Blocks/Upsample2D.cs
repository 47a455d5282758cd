using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Blocks;

/// <summary>Doubles the resolution (nearest neighbour), or resizes to a given size, then a 3×3 convolution.</summary>
internal sealed class Upsample2D : nn.Module<Tensor, long[]?, Tensor>
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

    /// <summary>
    /// The ×2 <see cref="forward"/> computed in row bands of the output (<paramref name="outputBands"/>, an even
    /// number of rows each): each band upsamples only the input rows it needs, so the doubled image exists once,
    /// as the result, never as a temporary.
    /// </summary>
    internal Tensor ForwardInBands(Tensor hiddenStates, RowBands outputBands)
    {
        if (outputBands.Rows % 2 != 0 || outputBands.Height != 2 * hiddenStates.shape[2])
            throw new ArgumentException("upsampling bands must cover the doubled height in an even number of rows each");
        long inputHeight = hiddenStates.shape[2];
        var output = empty([hiddenStates.shape[0], conv.out_channels, 2 * inputHeight, 2 * hiddenStates.shape[3]], hiddenStates.dtype);
        foreach (var (start, rows) in outputBands.All())
        {
            using var bandScope = NewDisposeScope();
            // Output rows [start, start + rows) come from input rows [start/2, (start + rows)/2); one input row more
            // on each side supplies the convolution's halo.
            long first = Math.Max(start / 2 - 1, 0), last = Math.Min((start + rows) / 2 + 1, inputHeight);
            using var source = hiddenStates.narrow(2, first, last - first);
            var resized = nn.functional.interpolate(source, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
            var convolved = conv.ForwardAligned(resized);
            output.narrow(2, start, rows).copy_(RowBands.Own(convolved, start - 2 * first, rows));
        }
        return output;
    }
}
