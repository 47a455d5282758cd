using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>The transformer block's feed-forward: GEGLU to 4× the width, then a projection back.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<nn.Module<Tensor, Tensor>> net;

    public FeedForward(long dim, long mult = 4, Device? device = null) : base(nameof(FeedForward))
    {
        long inner = dim * mult;
        // Index 1 is diffusers' dropout (p = 0); it keeps the checkpoint keys "net.0" and "net.2".
        net = nn.ModuleList<nn.Module<Tensor, Tensor>>(new GEGLU(dim, inner, device), nn.Dropout(0.0), nn.Linear(inner, dim, device: device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = hiddenStates;
        foreach (var layer in net) h = layer.forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
