using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>
/// Multi-head attention of the U-Net's transformer blocks (diffusers' Attention with AttnProcessor):
/// queries from the image tokens, keys and values from the image (self-attention) or from the text
/// (cross-attention); q/k/v without bias, output projection with bias.
/// </summary>
public sealed class Attention : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly Linear to_q;
    readonly Linear to_k;
    readonly Linear to_v;
    readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;
    readonly long heads;
    readonly bool upcast;

    /// <param name="crossAttentionDim">Width of the keys/values source; null for self-attention.</param>
    public Attention(long queryDim, long? crossAttentionDim, long heads, long headDim, bool upcast, Device? device = null)
        : base(nameof(Attention))
    {
        long inner = heads * headDim;
        long keyDim = crossAttentionDim ?? queryDim;
        to_q = nn.Linear(queryDim, inner, hasBias: false, device: device);
        to_k = nn.Linear(keyDim, inner, hasBias: false, device: device);
        to_v = nn.Linear(keyDim, inner, hasBias: false, device: device);
        // Index 1 is diffusers' dropout (p = 0); it keeps the checkpoint key "to_out.0".
        to_out = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(inner, queryDim, device: device), nn.Dropout(0.0));
        this.heads = heads;
        this.upcast = upcast;
        RegisterComponents();
    }

    /// <summary>
    /// When set, receives the attention probabilities softmax(QKᵀ/√head_dim), [B, heads, N, M], of every forward
    /// pass (for attention maps, as diffusers' attention processors allow). They are computed beside the fused
    /// attention, which is unchanged, and disposed when the observer returns.
    /// </summary>
    public Action<Tensor>? ProbabilitiesObserver { get; set; }

    /// <param name="hiddenStates">[B, N, query_dim] image tokens.</param>
    /// <param name="encoderHiddenStates">[B, M, cross_attention_dim] text tokens, or null for self-attention.</param>
    public override Tensor forward(Tensor hiddenStates, Tensor? encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        var context = encoderHiddenStates ?? hiddenStates;
        Tensor attended;
        using (var query = TokenLinear.Forward(to_q, hiddenStates))
        using (var key = TokenLinear.Forward(to_k, context))
        using (var value = TokenLinear.Forward(to_v, context))
        {
            attended = ScaledDotProductAttention.Compute(query, key, value, heads, upcast: upcast);
            if (ProbabilitiesObserver is { } observer)
                using (var probabilities = ScaledDotProductAttention.Probabilities(query, key, heads))
                    observer(probabilities);
        }
        foreach (var layer in to_out) attended = attended.Then(x => layer is Linear linear ? TokenLinear.Forward(linear, x) : layer.forward(x));
        return attended.MoveToOuterDisposeScope();
    }
}
