using LatentSharp.Layers;
using LatentSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Layers;

public class ChunkedSoftmaxAttentionTests
{
    /// <summary>softmax(QKᵀ/√d)·V in float64, the exact answer both kernels approximate.</summary>
    static Tensor Exact(Tensor q, Tensor kT, Tensor v)
    {
        var (q64, kT64, v64) = (q.to_type(ScalarType.Float64), kT.to_type(ScalarType.Float64), v.to_type(ScalarType.Float64));
        return (q64.bmm(kT64) / Math.Sqrt(q.shape[2])).softmax(-1).bmm(v64);
    }

    [Theory]
    [InlineData(100, 300, 3000)]   // 10 queries per chunk: 10 chunks, all full
    [InlineData(37, 300, 3000)]    // the last chunk is partial (7 of 10 queries)
    [InlineData(37, 300, 1)]       // a budget below one row still computes one query at a time
    [InlineData(20, 50, 1 << 21)]  // everything in one chunk
    public void MatchesTheExactAttentionChunkByChunk(int queries, int keys, long budget)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var q = randn(4, queries, 16) * 2;   // logits of a few units, as in trained models
        var kT = randn(4, 16, keys);
        var v = randn(4, keys, 16);
        using var _ = no_grad();
        var chunked = ChunkedSoftmaxAttention.Compute(q, kT, v, budget);
        Assert.Equal(new long[] { 4, queries, 16 }, chunked.shape);
        TensorAssert.Close(Exact(q, kT, v).to_type(ScalarType.Float32), chunked, 1e-5, "float32 chunked attention");
    }

    [Fact]
    public void Bfloat16StaysWithinAFewBfloat16StepsOfExact()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var q = (randn(2, 300, 40) * 2).to_type(ScalarType.BFloat16);
        var kT = randn(2, 40, 400).to_type(ScalarType.BFloat16);
        var v = randn(2, 400, 40).to_type(ScalarType.BFloat16);
        using var _ = no_grad();
        var exact = Exact(q, kT, v);
        var chunked = ChunkedSoftmaxAttention.Compute(q, kT, v, 4000).to_type(ScalarType.Float64);
        var fused = nn.functional.scaled_dot_product_attention(q.unsqueeze(0), kT.transpose(1, 2).unsqueeze(0), v.unsqueeze(0))
            .squeeze(0).to_type(ScalarType.Float64);
        double chunkedError = (chunked - exact).abs().max().item<double>(), fusedError = (fused - exact).abs().max().item<double>();
        // The fused kernel keeps scores and probabilities in float32 (measured 0.005 here); the chunked one rounds both
        // to bf16 (as diffusers' classic processor does in half precision): 0.022, three bf16 steps at 1. Twice that fails.
        Assert.True(fusedError < 1e-2, $"fused bf16 error {fusedError}");
        Assert.True(chunkedError < 4e-2, $"chunked bf16 error {chunkedError}, fused {fusedError}");
    }

    [Fact]
    public void Bfloat16SelfAttentionTakesTheChunkedRouteAndAgreesWithTheFusedOne()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        // [B, N, heads·head_dim] with 320 keys (self-attention) and 2 heads.
        var x = randn(2, 320, 64).to_type(ScalarType.BFloat16);
        using var _ = no_grad();
        var routed = ScaledDotProductAttention.Compute(x, x, x, heads: 2);
        long b = 2, n = 320, d = 32;
        var split = x.view(b, n, 2, d).transpose(1, 2);
        var fused = nn.functional.scaled_dot_product_attention(split, split, split).transpose(1, 2).reshape(b, n, 64);
        var byHand = ChunkedSoftmaxAttention.Compute(
            split.reshape(b * 2, n, d), split.reshape(b * 2, n, d).transpose(1, 2).contiguous(), split.reshape(b * 2, n, d))
            .view(b, 2, n, d).transpose(1, 2).reshape(b, n, 64);
        Assert.Equal(ScalarType.BFloat16, routed.dtype);
        Assert.True((routed == byHand).all().item<bool>(), "bf16 self-attention with ≥ 256 keys goes through the chunked kernel");
        TensorAssert.Close(fused.to_type(ScalarType.Float32), routed.to_type(ScalarType.Float32), 3e-2, "chunked against fused, bf16");
    }

    [Fact]
    public void Float32AndTrainingKeepTheFusedKernel()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var x = randn(1, 300, 32, requires_grad: true);
        var y = ScaledDotProductAttention.Compute(x, x, x, heads: 2);
        Assert.True(y.requires_grad, "with a gradient recorded the fused, differentiable kernel runs");
        using var _ = no_grad();
        var split = x.view(1, 300, 2, 16).transpose(1, 2);
        var fused = nn.functional.scaled_dot_product_attention(split, split, split).transpose(1, 2).reshape(1, 300, 32);
        Assert.True((ScaledDotProductAttention.Compute(x, x, x, heads: 2) == fused).all().item<bool>(), "float32 attention is the fused kernel's, bit for bit");
    }
}
