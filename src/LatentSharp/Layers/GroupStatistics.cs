using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Per-sample, per-group mean and variance of an activation, accumulated over pieces of it (row bands) in
/// float64, so a group norm applied band by band uses the statistics of the whole image — exactly what
/// normalising the whole image at once uses, up to float32 rounding.
/// </summary>
internal sealed class GroupStatistics : IDisposable
{
    readonly long groups;
    Tensor? sum, sumOfSquares;
    long count;

    public GroupStatistics(long groups) => this.groups = groups;

    /// <summary>Adds the values of <paramref name="piece"/> [B, C, h, W].</summary>
    public void Add(Tensor piece)
    {
        using var scope = NewDisposeScope();
        // Each (sample, group) becomes one channel of a [1, B·groups, n] tensor, whose per-channel mean and variance
        // LibTorch's batch norm computes in one fused float32 pass, also from bfloat16 input (a float32 copy of a
        // bfloat16 band and var_mean over it took 5× as long). Pieces are combined in float64 (Chan et al.'s pairwise
        // update, written as sums), so the whole image's statistics lose nothing to the split.
        var grouped = piece.reshape(1, piece.shape[0] * groups, -1);
        long n = grouped.shape[2];
        var (mean, variance) = n > 1 ? FusedMeanAndVariance(grouped) : (grouped.to_type(ScalarType.Float32).mean([2]), zeros(grouped.shape[1]));
        var pieceSum = mean.to_type(ScalarType.Float64).view(piece.shape[0], groups) * n;
        var pieceSquares = (variance.to_type(ScalarType.Float64) + mean.to_type(ScalarType.Float64).square()).view(piece.shape[0], groups) * n;
        sum = sum is null ? pieceSum.MoveToOuterDisposeScope() : sum.add_(pieceSum);
        sumOfSquares = sumOfSquares is null ? pieceSquares.MoveToOuterDisposeScope() : sumOfSquares.add_(pieceSquares);
        count += n;
    }

    /// <summary>
    /// Mean and biased variance of each channel of <paramref name="grouped"/> [1, K, n] (n ≥ 2), float32 [K]: a training-mode
    /// batch norm with momentum 1 leaves exactly the batch's statistics in its running buffers (the variance unbiased).
    /// </summary>
    static (Tensor Mean, Tensor Variance) FusedMeanAndVariance(Tensor grouped)
    {
        long channels = grouped.shape[1], n = grouped.shape[2];
        var mean = zeros(channels, ScalarType.Float32);
        var variance = ones(channels, ScalarType.Float32);
        nn.functional.batch_norm(grouped, mean, variance, training: true, momentum: 1.0, eps: 0).Dispose();
        return (mean, variance.mul_((n - 1) / (double)n));
    }

    /// <summary>Statistics of an activation held whole, gathered band by band so no full-size copy is made.</summary>
    public static GroupStatistics Of(Tensor image, long groups, RowBands bands)
    {
        var statistics = new GroupStatistics(groups);
        foreach (var (start, rows) in bands.All())
            using (var band = image.narrow(2, start, rows)) statistics.Add(band);
        return statistics;
    }

    /// <summary>Mean and biased variance, float32 [B, groups].</summary>
    public (Tensor Mean, Tensor Variance) MeanAndVariance()
    {
        if (sum is null || sumOfSquares is null) throw new InvalidOperationException("no values were added");
        using var scope = NewDisposeScope();
        var mean = sum / count;
        var variance = (sumOfSquares / count - mean.square()).clamp_min(0);
        return (mean.to_type(ScalarType.Float32).MoveToOuterDisposeScope(), variance.to_type(ScalarType.Float32).MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        sum?.Dispose();
        sumOfSquares?.Dispose();
    }
}
