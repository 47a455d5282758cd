using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>Two-layer MLP with SiLU turning the sinusoidal timestep features into the embedding the resnets use.</summary>
internal sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    readonly Linear linear_1;
    readonly Linear linear_2;

    public TimestepEmbedding(long inChannels, long timeEmbedDim, Device? device = null) : base(nameof(TimestepEmbedding))
    {
        linear_1 = nn.Linear(inChannels, timeEmbedDim, device: device);
        linear_2 = nn.Linear(timeEmbedDim, timeEmbedDim, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        return linear_2.forward(nn.functional.silu(linear_1.forward(features))).MoveToOuterDisposeScope();
    }
}
