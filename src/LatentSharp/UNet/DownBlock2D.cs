using LatentSharp.Blocks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>Contracting level without attention: residual blocks, then an optional downsampler.</summary>
internal sealed class DownBlock2D : UNetDownBlock
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Downsample2D>? downsamplers;

    public DownBlock2D(long inChannels, long outChannels, int layers, ResnetSettings resnet, bool addDownsample, long downsamplePadding, Device? device = null)
        : base(nameof(DownBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, resnet, device)).ToArray());
        if (addDownsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, downsamplePadding, device));
        RegisterComponents();
    }

    public override (Tensor Output, IReadOnlyList<Tensor> Skips) Forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        var skips = new List<Tensor>();
        var h = hiddenStates;
        foreach (var resnet in resnets) skips.Add(h = resnet.forward(h, temb));
        if (downsamplers != null) foreach (var down in downsamplers) skips.Add(h = down.forward(h));
        return (h, skips);
    }
}
