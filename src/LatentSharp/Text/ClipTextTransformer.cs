using LatentSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>Embeddings, causal encoder and final LayerNorm: transformers' CLIPTextTransformer.</summary>
internal sealed class ClipTextTransformer : nn.Module<Tensor, ClipTextOutput>
{
    readonly ClipTextEmbeddings embeddings;
    readonly ClipEncoder encoder;
    internal readonly LayerNorm32 final_layer_norm;
    readonly int eosTokenId;

    public ClipTextTransformer(ClipTextConfig config, Device? device = null) : base(nameof(ClipTextTransformer))
    {
        embeddings = new ClipTextEmbeddings(config, device);
        encoder = new ClipEncoder(config, device);
        final_layer_norm = new LayerNorm32(config.HiddenSize, config.LayerNormEps, device);
        eosTokenId = config.EosTokenId;
        RegisterComponents();
    }

    /// <param name="inputIds">[B, T] int64. SD pipelines pass no padding mask: padding is attended to, causally.</param>
    public override ClipTextOutput forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var hidden = embeddings.forward(inputIds);
        var mask = CausalMask(inputIds.shape[^1], hidden.dtype, hidden.device);
        var states = encoder.forward(hidden, mask);
        var last = final_layer_norm.forward(states[^1]);
        var pooled = Pool(last, inputIds);
        var output = new ClipTextOutput(last, pooled, states);
        foreach (var t in states.Append(last).Append(pooled)) t.MoveToOuterDisposeScope();
        return output;
    }

    /// <summary>The token and position embeddings (textual-inversion rows are added there).</summary>
    internal ClipTextEmbeddings Embeddings => embeddings;

    /// <summary>Applies the final LayerNorm to an earlier layer's output (clip skip).</summary>
    public Tensor FinalLayerNorm(Tensor hiddenState) => final_layer_norm.forward(hiddenState);

    /// <summary>
    /// [1, 1, T, T] additive mask: 0 where a token may look (itself and earlier), the dtype's lowest finite
    /// value elsewhere, as transformers builds it (not -inf).
    /// </summary>
    static Tensor CausalMask(long length, ScalarType dtype, Device device)
    {
        using var filled = full(length, length, finfo(dtype).min, dtype: dtype, device: device);
        return filled.triu(1).view(1, 1, length, length);
    }

    /// <summary>
    /// The state at the end-of-text token. With the original configs' eos_token_id 2 transformers keeps the
    /// legacy rule "the highest token id" (the EOT id is the largest in the CLIP vocabulary); otherwise the
    /// first position holding eos_token_id.
    /// </summary>
    Tensor Pool(Tensor last, Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var ids = inputIds.to_type(ScalarType.Int32);
        var positions = eosTokenId == 2 ? ids.argmax(-1) : ids.eq(eosTokenId).to_type(ScalarType.Int32).argmax(-1);
        var rows = arange(last.shape[0], dtype: ScalarType.Int64, device: last.device);
        return last.index(TensorIndex.Tensor(rows), TensorIndex.Tensor(positions)).MoveToOuterDisposeScope();
    }
}
