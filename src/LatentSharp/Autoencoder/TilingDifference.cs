using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>
/// How a tiled decode differs from the untiled one: the largest absolute difference on the tile borders (the
/// overlaps, where neighbouring tiles are cross-faded) and everywhere else, and the largest jump of that
/// difference between neighbouring pixels on and off the borders. A seam is a jump on a border.
/// </summary>
internal sealed record TilingDifference(double MaxAtBorders, double MaxElsewhere, double MaxJumpAtBorders, double MaxJumpElsewhere)
{
    /// <param name="untiled">[B, C, H, W] decoded whole.</param>
    /// <param name="tiled">The same latent decoded with <paramref name="tiling"/>.</param>
    /// <param name="factor">Pixels per latent pixel.</param>
    public static TilingDifference Measure(Tensor untiled, Tensor tiled, VaeTiling tiling, int factor)
    {
        using var scope = NewDisposeScope();
        var difference = (tiled.to_type(ScalarType.Float32) - untiled.to_type(ScalarType.Float32)).abs();
        int height = (int)untiled.shape[2], width = (int)untiled.shape[3];
        var rowBorders = BorderMask(tiling.Starts(height / factor), tiling, height / factor, factor).view(1, 1, height, 1);
        var columnBorders = BorderMask(tiling.Starts(width / factor), tiling, width / factor, factor).view(1, 1, 1, width);
        var onBorder = rowBorders.logical_or(columnBorders).expand_as(difference);
        // Jumps between vertical and horizontal neighbours, attributed to the first pixel of each pair.
        var signed = tiled.to_type(ScalarType.Float32) - untiled.to_type(ScalarType.Float32);
        var verticalJump = (signed.narrow(2, 1, height - 1) - signed.narrow(2, 0, height - 1)).abs();
        var horizontalJump = (signed.narrow(3, 1, width - 1) - signed.narrow(3, 0, width - 1)).abs();
        var verticalOnBorder = rowBorders.narrow(2, 0, height - 1).expand_as(verticalJump);
        var horizontalOnBorder = columnBorders.narrow(3, 0, width - 1).expand_as(horizontalJump);
        return new TilingDifference(
            Max(difference, onBorder), Max(difference, onBorder.logical_not()),
            Math.Max(Max(verticalJump, verticalOnBorder), Max(horizontalJump, horizontalOnBorder)),
            Math.Max(Max(verticalJump, verticalOnBorder.logical_not()), Max(horizontalJump, horizontalOnBorder.logical_not())));
    }

    /// <summary>True on the pixels covered by more than one tile.</summary>
    static Tensor BorderMask(IReadOnlyList<int> starts, VaeTiling tiling, int side, int factor)
    {
        var mask = zeros(side * factor, dtype: ScalarType.Bool);
        for (int i = 1; i < starts.Count; i++)
            mask.narrow(0, starts[i] * factor, (starts[i - 1] + tiling.TileSize - starts[i]) * factor).fill_(true);
        return mask;
    }

    static double Max(Tensor values, Tensor where)
    {
        using var selected = values.masked_select(where);
        return selected.numel() == 0 ? 0 : selected.max().item<float>();
    }
}
