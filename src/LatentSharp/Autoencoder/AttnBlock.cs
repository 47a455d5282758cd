using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>
/// Single-head spatial self-attention with a residual connection, in the autoencoder's mid block (the LDM
/// code's AttnBlock, diffusers' Attention with group_norm and residual_connection). Keys follow diffusers:
/// <c>group_norm</c>, <c>to_q</c>, <c>to_k</c>, <c>to_v</c>, <c>to_out.0</c>.
/// </summary>
internal sealed class AttnBlock : nn.Module<Tensor, Tensor>
{
    const double GroupNormEps = 1e-6;
    readonly GroupNorm32 group_norm;
    readonly Linear to_q;
    readonly Linear to_k;
    readonly Linear to_v;
    readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;

    public AttnBlock(long channels, int groups, Device? device = null) : base(nameof(AttnBlock))
    {
        group_norm = new GroupNorm32(groups, channels, GroupNormEps, device);
        to_q = nn.Linear(channels, channels, device: device);
        to_k = nn.Linear(channels, channels, device: device);
        to_v = nn.Linear(channels, channels, device: device);
        // Index 1 is diffusers' dropout (p = 0); it keeps the checkpoint key "to_out.0".
        to_out = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(channels, channels, device: device), nn.Dropout(0.0));
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, C, H, W]</param>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        long batch = hiddenStates.shape[0], channels = hiddenStates.shape[1], height = hiddenStates.shape[2], width = hiddenStates.shape[3];
        Tensor attended;
        using (var normed = group_norm.forward(hiddenStates))
        using (var flat = normed.view(batch, channels, height * width))
        using (var tokens = flat.transpose(1, 2))
        using (var query = to_q.forward(tokens))
        using (var key = to_k.forward(tokens))
        using (var value = to_v.forward(tokens))
            attended = ScaledDotProductAttention.Compute(query, key, value, heads: 1);
        foreach (var layer in to_out) attended = attended.Then(layer.forward);
        using var channelsFirst = attended.transpose(1, 2);
        attended.Dispose();
        var image = channelsFirst.reshape(batch, channels, height, width);
        return InPlace.Add(image, hiddenStates).MoveToOuterDisposeScope();
    }
}
