using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>Multi-head self-attention of a CLIP encoder layer (q/k/v/out projections with bias).</summary>
internal sealed class ClipAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly Linear q_proj;
    readonly Linear k_proj;
    readonly Linear v_proj;
    readonly Linear out_proj;
    readonly long heads;

    public ClipAttention(ClipTextConfig config, Device? device = null) : base(nameof(ClipAttention))
    {
        long dim = config.HiddenSize;
        q_proj = nn.Linear(dim, dim, device: device);
        k_proj = nn.Linear(dim, dim, device: device);
        v_proj = nn.Linear(dim, dim, device: device);
        out_proj = nn.Linear(dim, dim, device: device);
        heads = config.NumAttentionHeads;
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, T, D]</param>
    /// <param name="causalMask">Additive mask broadcastable to [B, heads, T, T].</param>
    public override Tensor forward(Tensor hiddenStates, Tensor causalMask)
    {
        using var scope = NewDisposeScope();
        var attended = ScaledDotProductAttention.Compute(
            q_proj.forward(hiddenStates), k_proj.forward(hiddenStates), v_proj.forward(hiddenStates), heads, causalMask);
        return out_proj.forward(attended).MoveToOuterDisposeScope();
    }
}
