using LatentSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>
/// Pre-norm transformer block over image tokens: self-attention, cross-attention to the text, GEGLU
/// feed-forward, each as x + f(LayerNorm(x)).
/// </summary>
internal sealed class BasicTransformerBlock : nn.Module<Tensor, Tensor, Tensor>
{
    // diffusers' BasicTransformerBlock uses LayerNorm eps 1e-5 whatever the U-Net's norm_eps.
    const double LayerNormEps = 1e-5;

    readonly LayerNorm32 norm1;
    readonly Attention attn1;
    readonly LayerNorm32 norm2;
    readonly Attention attn2;
    readonly LayerNorm32 norm3;
    readonly FeedForward ff;
    readonly bool onlyCrossAttention;

    public BasicTransformerBlock(long dim, long heads, long headDim, long crossAttentionDim, bool onlyCrossAttention, bool upcastAttention, Device? device = null)
        : base(nameof(BasicTransformerBlock))
    {
        norm1 = new LayerNorm32(dim, LayerNormEps, device);
        attn1 = new Attention(dim, onlyCrossAttention ? crossAttentionDim : null, heads, headDim, upcastAttention, device);
        norm2 = new LayerNorm32(dim, LayerNormEps, device);
        attn2 = new Attention(dim, crossAttentionDim, heads, headDim, upcastAttention, device);
        norm3 = new LayerNorm32(dim, LayerNormEps, device);
        ff = new FeedForward(dim, device: device);
        this.onlyCrossAttention = onlyCrossAttention;
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, N, dim] image tokens.</param>
    /// <param name="encoderHiddenStates">[B, M, cross_attention_dim] text tokens.</param>
    public override Tensor forward(Tensor hiddenStates, Tensor encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = Residual(hiddenStates, x => attn1.forward(x, onlyCrossAttention ? encoderHiddenStates : null), norm1);
        h = h.Then(x => Residual(x, y => attn2.forward(y, encoderHiddenStates), norm2));
        h = h.Then(x => Residual(x, ff.forward, norm3));
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>x + f(norm(x)), with the norm's output released once f has read it.</summary>
    static Tensor Residual(Tensor x, Func<Tensor, Tensor> f, LayerNorm32 norm) => InPlace.Add(norm.forward(x).Then(f), x);
}
