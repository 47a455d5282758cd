using LatentSharp.Blocks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>The U-Net's bottleneck: residual block, then (spatial transformer, residual block) pairs.</summary>
internal sealed class UNetMidBlock2DCrossAttn : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly ModuleList<Transformer2DModel> attentions;
    readonly ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2DCrossAttn(long channels, ResnetSettings resnet, CrossAttentionSettings attention, int layers = 1, Device? device = null)
        : base(nameof(UNetMidBlock2DCrossAttn))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers + 1).Select(_ => new ResnetBlock2D(channels, channels, resnet, device)).ToArray());
        attentions = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => new Transformer2DModel(channels, attention, device)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = resnets[0].forward(hiddenStates, temb);
        for (int i = 0; i < attentions.Count; i++)
            h = resnets[i + 1].forward(attentions[i].forward(h, encoderHiddenStates), temb);
        return h.MoveToOuterDisposeScope();
    }
}
