using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Multi-head softmax attention on projected queries, keys and values: scores are scaled by head_dim^-0.5.
/// Through LibTorch's fused scaled_dot_product_attention (the softmax in float32: LibTorch accumulates
/// half-precision inputs in float32), except bfloat16 self-attention without a mask or gradient on CPU, which
/// <see cref="ChunkedSoftmaxAttention"/> computes faster.
/// </summary>
internal static class ScaledDotProductAttention
{
    /// <param name="query">[B, N, heads·head_dim]</param>
    /// <param name="key">[B, M, heads·head_dim]</param>
    /// <param name="value">[B, M, heads·head_dim]</param>
    /// <param name="additiveMask">Added to the scores, broadcastable to [B, heads, N, M]; null for none.</param>
    /// <param name="upcast">Compute in float32 even when the inputs are half precision (diffusers' upcast_attention).</param>
    /// <returns>[B, N, heads·head_dim] in the query's dtype.</returns>
    public static Tensor Compute(Tensor query, Tensor key, Tensor value, long heads, Tensor? additiveMask = null, bool upcast = false)
    {
        using var scope = NewDisposeScope();
        var dtype = query.dtype;
        if (upcast && dtype != ScalarType.Float32)
        {
            query = query.to_type(ScalarType.Float32);
            key = key.to_type(ScalarType.Float32);
            value = value.to_type(ScalarType.Float32);
        }
        long batch = query.shape[0], queries = query.shape[1], inner = query.shape[2];
        long headDim = inner / heads;
        if (PrefersChunked(query, key, additiveMask))
        {
            var chunked = ChunkedSoftmaxAttention.Compute(
                HeadsAsBatch(query, heads, headDim), KeysTransposedAsBatch(key, heads, headDim),
                HeadsAsBatch(value, heads, headDim));
            return chunked.view(batch, heads, queries, headDim).transpose(1, 2).reshape(batch, queries, inner).MoveToOuterDisposeScope();
        }
        var output = nn.functional.scaled_dot_product_attention(
            SplitHeads(query, heads, headDim), SplitHeads(key, heads, headDim), SplitHeads(value, heads, headDim), additiveMask);
        return output.transpose(1, 2).reshape(batch, queries, inner).to_type(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The attention weights the fused kernel applies, softmax(QKᵀ/√head_dim) in float32: [B, heads, N, M].</summary>
    public static Tensor Probabilities(Tensor query, Tensor key, long heads)
    {
        using var scope = NewDisposeScope();
        long headDim = query.shape[2] / heads;
        var q = SplitHeads(query.to_type(ScalarType.Float32), heads, headDim);
        var k = SplitHeads(key.to_type(ScalarType.Float32), heads, headDim);
        return (q.matmul(k.transpose(2, 3)) / Math.Sqrt(headDim)).softmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Keys from which the chunked kernel beats the fused one in bfloat16 (bench/AttentionKernels: SD's
    /// 4096-, 1024- and 256-token self-attention 1.3–1.9× faster; 77 text tokens 0.6–1.0×).</summary>
    const long ChunkedFromKeys = 256;

    static bool PrefersChunked(Tensor query, Tensor key, Tensor? additiveMask) =>
        query.dtype == ScalarType.BFloat16 && additiveMask is null && query.device_type == DeviceType.CPU
        && key.shape[1] >= ChunkedFromKeys && !is_grad_enabled();

    /// <summary>[B, N, heads·head_dim] → [B·heads, N, head_dim], contiguous.</summary>
    static Tensor HeadsAsBatch(Tensor x, long heads, long headDim) =>
        SplitHeads(x, heads, headDim).reshape(x.shape[0] * heads, x.shape[1], headDim);

    /// <summary>[B, M, heads·head_dim] → [B·heads, head_dim, M], contiguous, in one copy.</summary>
    static Tensor KeysTransposedAsBatch(Tensor key, long heads, long headDim) =>
        SplitHeads(key, heads, headDim).transpose(2, 3).reshape(key.shape[0] * heads, headDim, key.shape[1]);

    static Tensor SplitHeads(Tensor x, long heads, long headDim) =>
        x.view(x.shape[0], x.shape[1], heads, headDim).transpose(1, 2);
}
