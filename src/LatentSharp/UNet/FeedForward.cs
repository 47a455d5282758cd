using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>The transformer block's feed-forward: GEGLU to 4× the width, then a projection back.</summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    /// <summary>
    /// Tokens per pass through the network. GEGLU widens every token 8×: a 64×64 latent at batch 2 would hold
    /// about 170 MB of float32 temporaries at once; in slices of this many tokens it holds a tenth of that,
    /// and the matrix products stay large enough to run at full speed.
    /// </summary>
    public const long TokensPerSlice = 1024;

    readonly ModuleList<nn.Module<Tensor, Tensor>> net;

    public FeedForward(long dim, long mult = 4, Device? device = null) : base(nameof(FeedForward))
    {
        long inner = dim * mult;
        // Index 1 is diffusers' dropout (p = 0); it keeps the checkpoint keys "net.0" and "net.2".
        net = nn.ModuleList<nn.Module<Tensor, Tensor>>(new GEGLU(dim, inner, device), nn.Dropout(0.0), nn.Linear(inner, dim, device: device));
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, N, dim]</param>
    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        if (hiddenStates.shape[0] * hiddenStates.shape[1] <= TokensPerSlice) return Apply(hiddenStates).MoveToOuterDisposeScope();
        // All tokens of the batch as one sequence, cut into contiguous slices.
        var tokens = hiddenStates.reshape(1, -1, hiddenStates.shape[^1]);
        var slices = tokens.split(TokensPerSlice, 1).Select(Apply).ToList();
        return cat(slices, 1).view(hiddenStates.shape).MoveToOuterDisposeScope();
    }

    Tensor Apply(Tensor tokens)
    {
        var h = tokens;
        foreach (var layer in net)
        {
            Tensor Step(Tensor x) => layer is Linear linear ? TokenLinear.Forward(linear, x) : layer.forward(x);
            h = ReferenceEquals(h, tokens) ? Step(h) : h.Then(Step);
        }
        return h;
    }
}
