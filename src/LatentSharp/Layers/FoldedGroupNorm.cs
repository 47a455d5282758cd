using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// A group norm folded into a per-channel scale and shift (float32 [B, C, 1, 1]) from the statistics of a whole
/// activation (<see cref="GroupNorm32.FoldOver"/>), applied to pieces of it: each piece's rows of what the group
/// norm gives for the whole, to float32 rounding.
/// </summary>
internal sealed record FoldedGroupNorm(Tensor Scale, Tensor Shift) : IDisposable
{
    /// <summary>
    /// x·scale + shift computed in float32, returned in the piece's dtype (as GroupNorm32 computes bf16 norms in float32),
    /// as a new tensor. It runs as an inference-mode batch norm (mean 0, variance 1, eps 0, the scale and shift as its
    /// weight and bias), LibTorch's one fused pass for a per-channel affine map over mixed dtypes; the same map by hand
    /// (a float32 copy, addcmul, a copy back) took 8× as long on bfloat16 bands.
    /// </summary>
    public Tensor Apply(Tensor piece)
    {
        using var scope = NewDisposeScope();
        long batch = piece.shape[0], channels = piece.shape[1];
        var flat = piece.reshape(1, batch * channels, piece.shape[2], piece.shape[3]);
        using var zero = zeros(batch * channels, ScalarType.Float32);
        using var one = ones(batch * channels, ScalarType.Float32);
        using var weight = Scale.view(-1);
        using var bias = Shift.view(-1);
        var normalised = nn.functional.batch_norm(flat, zero, one, weight, bias, training: false, momentum: 0, eps: 0);
        return normalised.view(piece.shape).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Scale.Dispose();
        Shift.Dispose();
    }
}
