using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>Gated GELU: one projection to twice the width, then value · GELU(gate) with the exact (erf) GELU.</summary>
internal sealed class GEGLU : nn.Module<Tensor, Tensor>
{
    readonly Linear proj;

    public GEGLU(long dimIn, long dimOut, Device? device = null) : base(nameof(GEGLU))
    {
        proj = nn.Linear(dimIn, dimOut * 2, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        using var projected = TokenLinear.Forward(proj, hiddenStates);
        var halves = projected.chunk(2, -1);
        return InPlace.Multiply(nn.functional.gelu(halves[1]), halves[0]).MoveToOuterDisposeScope();
    }
}
