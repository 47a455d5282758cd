using LatentSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>One pre-norm transformer layer: x + attn(LN(x)), then x + mlp(LN(x)).</summary>
internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ClipAttention self_attn;
    readonly LayerNorm32 layer_norm1;
    readonly ClipMlp mlp;
    readonly LayerNorm32 layer_norm2;

    public ClipEncoderLayer(ClipTextConfig config, Device? device = null) : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(config, device);
        layer_norm1 = new LayerNorm32(config.HiddenSize, config.LayerNormEps, device);
        mlp = new ClipMlp(config, device);
        layer_norm2 = new LayerNorm32(config.HiddenSize, config.LayerNormEps, device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates, Tensor causalMask)
    {
        using var scope = NewDisposeScope();
        var h = hiddenStates + self_attn.forward(layer_norm1.forward(hiddenStates), causalMask);
        h = h + mlp.forward(layer_norm2.forward(h));
        return h.MoveToOuterDisposeScope();
    }
}
