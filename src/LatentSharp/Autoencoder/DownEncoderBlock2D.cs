using LatentSharp.Blocks;
using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>Encoder level: residual blocks, then (except at the last level) a downsampler padded right/bottom.</summary>
internal sealed class DownEncoderBlock2D : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Downsample2D>? downsamplers;

    public DownEncoderBlock2D(long inChannels, long outChannels, int layers, ResnetSettings resnet, bool addDownsample, Device? device = null)
        : base(nameof(DownEncoderBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, resnet, device)).ToArray());
        if (addDownsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, padding: 0, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = hiddenStates.alias();
        foreach (var resnet in resnets) h = h.Then(x => resnet.forward(x, null));
        if (downsamplers != null) foreach (var down in downsamplers) h = h.Then(down.forward);
        return h.MoveToOuterDisposeScope();
    }
}
