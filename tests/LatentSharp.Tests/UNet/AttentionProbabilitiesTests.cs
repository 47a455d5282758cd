using LatentSharp.Layers;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Tests.UNet;

public class AttentionProbabilitiesTests
{
    [Fact]
    public void TheObservedProbabilitiesAreTheWeightsTheFusedAttentionApplies()
    {
        using var query = randn([2, 6, 8]);
        using var key = randn([2, 5, 8]);
        using var value = randn([2, 5, 8]);
        using var fused = ScaledDotProductAttention.Compute(query, key, value, heads: 2);
        using var probabilities = ScaledDotProductAttention.Probabilities(query, key, heads: 2);

        Assert.Equal([2L, 2, 6, 5], probabilities.shape);
        Assert.True(probabilities.sum(-1).allclose(ones(2, 2, 6), atol: 1e-6));
        using var heads = value.view(2, 5, 2, 4).transpose(1, 2);
        using var explicitOutput = probabilities.matmul(heads).transpose(1, 2).reshape(2, 6, 8);
        Assert.True(explicitOutput.allclose(fused, atol: 1e-5));
    }

    [Fact]
    public void AnObserverSeesEveryCrossAttentionPassAndChangesNothing()
    {
        using var attention = new Attention(queryDim: 8, crossAttentionDim: 4, heads: 2, headDim: 4, upcast: false);
        using var image = randn([1, 9, 8]);
        using var text = randn([1, 3, 4]);
        using var before = attention.forward(image, text);
        var seen = new List<long[]>();
        attention.ProbabilitiesObserver = p => seen.Add(p.shape);
        using var after = attention.forward(image, text);

        Assert.Equal([new long[] { 1, 2, 9, 3 }], seen);
        Assert.True(after.equal(before).all().item<bool>());
    }
}
