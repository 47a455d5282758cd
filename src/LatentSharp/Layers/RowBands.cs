using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// An image-sized activation [B, C, H, W] processed in horizontal bands of rows, so that a layer's
/// temporaries (normalised copies, convolution buffers) follow the band, not the image. A 3×3 convolution
/// of a band needs one row of its neighbours on each side (its halo); the rows it computes from the halo's
/// missing neighbours are cut off again, so each band's rows equal the whole-image result.
/// </summary>
internal readonly record struct RowBands(long Height, long Rows)
{
    /// <summary>(first row, row count) of each band, top to bottom.</summary>
    public IEnumerable<(long Start, long Count)> All()
    {
        for (long start = 0; start < Height; start += Rows) yield return (start, Math.Min(Rows, Height - start));
    }

    /// <summary>The rows of <paramref name="image"/> a 3×3 convolution needs for output rows [start, start + count).</summary>
    public static (Tensor Rows, long Skip) WithHalo(Tensor image, long start, long count)
    {
        long first = Math.Max(start - 1, 0), last = Math.Min(start + count + 1, image.shape[2]);
        return (image.narrow(2, first, last - first), start - first);
    }

    /// <summary>The band's own rows of a convolution output computed from <see cref="WithHalo"/>'s rows.</summary>
    public static Tensor Own(Tensor convolved, long skip, long count) => convolved.narrow(2, skip, count);
}
