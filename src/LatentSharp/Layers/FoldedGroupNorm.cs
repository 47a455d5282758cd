using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// A group norm folded into a per-channel scale and shift (float32 [B, C, 1, 1]) from the statistics of a whole
/// activation (<see cref="GroupNorm32.FoldOver"/>), applied to pieces of it: each piece's rows of what the group
/// norm gives for the whole, to float32 rounding.
/// </summary>
internal sealed record FoldedGroupNorm(Tensor Scale, Tensor Shift) : IDisposable
{
    /// <summary>x·scale + shift in float32, returned in the piece's dtype (as GroupNorm32 computes bf16 norms in float32).</summary>
    public Tensor Apply(Tensor piece)
    {
        using var scope = NewDisposeScope();
        var piece32 = piece.dtype == ScalarType.Float32 ? piece : piece.to_type(ScalarType.Float32);
        var normalised = addcmul(Shift, piece32, Scale, 1);
        return (normalised.dtype == piece.dtype ? normalised : normalised.to_type(piece.dtype)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Scale.Dispose();
        Shift.Dispose();
    }
}
