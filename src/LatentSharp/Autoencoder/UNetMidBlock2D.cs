using LatentSharp.Blocks;
using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>The autoencoder's bottleneck: residual block, self-attention, residual block.</summary>
internal sealed class UNetMidBlock2D : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<AttnBlock> attentions;
    readonly ModuleList<ResnetBlock2D> resnets;

    public UNetMidBlock2D(long channels, ResnetSettings resnet, Device? device = null) : base(nameof(UNetMidBlock2D))
    {
        resnets = nn.ModuleList(new ResnetBlock2D(channels, channels, resnet, device), new ResnetBlock2D(channels, channels, resnet, device));
        attentions = nn.ModuleList(new AttnBlock(channels, resnet.Groups, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = resnets[0].forward(hiddenStates, null).Then(attentions[0].forward).Then(x => resnets[1].forward(x, null));
        return h.MoveToOuterDisposeScope();
    }
}
