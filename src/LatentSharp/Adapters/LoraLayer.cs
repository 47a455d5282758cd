using static TorchSharp.torch;

namespace LatentSharp.Adapters;

/// <summary>
/// One layer of a LoRA: ΔW = (alpha / rank) · up · down, reshaped to the layer's weight. For a linear layer
/// down (A) is [rank, in] and up (B) [out, rank]; for a convolution down is [rank, in, kh, kw] (the layer's own
/// kernel) and up [out, rank, 1, 1]. Tensors are kept as stored (F16 files stay half size in memory).
/// </summary>
/// <param name="Name">The layer as the file names it: a kohya name (<c>lora_unet_…</c>) or a module path with its component (<c>unet.…</c>).</param>
/// <param name="Alpha">The file's alpha; null when it stores none (diffusers / PEFT), which means alpha = rank.</param>
public sealed record LoraLayer(string Name, Tensor Down, Tensor Up, double? Alpha)
{
    public long Rank => Down.shape[0];

    /// <summary>Rows of the weight the layer changes (the layer's output features or channels).</summary>
    public long OutFeatures => Up.shape[0];

    /// <summary>Elements per output row of the weight (in, or in · kh · kw).</summary>
    public long InElements => Down.numel() / Rank;

    /// <summary>alpha / rank: the factor kohya and PEFT put on up · down (1 when the file has no alpha).</summary>
    public double AlphaOverRank => (Alpha ?? Rank) / Rank;

    /// <summary>Whether this layer's update fits a weight of <paramref name="shape"/> (same rows, same elements per row).</summary>
    public bool Fits(long[] shape) =>
        shape.Length >= 2 && shape[0] == OutFeatures && shape.Skip(1).Aggregate(1L, (a, b) => a * b) == InElements
        && (Down.dim() == 2 || Down.shape.Skip(2).All(k => k == 1) || shape.Length == 4 && Down.shape.Skip(2).SequenceEqual(shape.Skip(2)));

    /// <summary>Total elements of the layer's tensors (for sizes and FLOP counts).</summary>
    public long Parameters => Down.numel() + Up.numel();
}
