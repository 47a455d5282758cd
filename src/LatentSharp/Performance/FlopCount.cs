namespace LatentSharp.Performance;

/// <summary>
/// Multiply-accumulates of a forward pass, split by the kind of kernel that does them: convolutions,
/// linear layers, and the two attention matrix products (QKᵀ and softmax·V). Element-wise work (norms,
/// activations, softmax) is left out: it is memory-bound and small next to these.
/// </summary>
public readonly record struct FlopCount(double ConvMacs, double LinearMacs, double AttentionMacs)
{
    public double Macs => ConvMacs + LinearMacs + AttentionMacs;

    /// <summary>Floating-point operations: two per multiply-accumulate.</summary>
    public double Flops => 2 * Macs;

    public static FlopCount operator +(FlopCount a, FlopCount b) =>
        new(a.ConvMacs + b.ConvMacs, a.LinearMacs + b.LinearMacs, a.AttentionMacs + b.AttentionMacs);

    public static FlopCount operator *(double times, FlopCount a) =>
        new(times * a.ConvMacs, times * a.LinearMacs, times * a.AttentionMacs);

    public static FlopCount Conv(long inChannels, long outChannels, long kernel, long height, long width) =>
        new((double)inChannels * outChannels * kernel * kernel * height * width, 0, 0);

    public static FlopCount Linear(long inFeatures, long outFeatures, long tokens) => new(0, (double)inFeatures * outFeatures * tokens, 0);

    /// <summary>QKᵀ and softmax·V for <paramref name="queries"/> × <paramref name="keys"/> tokens over <paramref name="width"/> channels (all heads).</summary>
    public static FlopCount Attention(long queries, long keys, long width) => new(0, 0, 2.0 * queries * keys * width);
}
