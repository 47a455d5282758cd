using LatentSharp.Blocks;
using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>Decoder level: residual blocks, then (except at the last level) a ×2 nearest upsampler with a conv.</summary>
internal sealed class UpDecoderBlock2D : nn.Module<Tensor, Tensor>
{
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Upsample2D>? upsamplers;

    public UpDecoderBlock2D(long inChannels, long outChannels, int layers, ResnetSettings resnet, bool addUpsample, Device? device = null)
        : base(nameof(UpDecoderBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, resnet, device)).ToArray());
        if (addUpsample) upsamplers = nn.ModuleList(new Upsample2D(outChannels, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hiddenStates)
    {
        using var scope = NewDisposeScope();
        var h = hiddenStates.alias();
        foreach (var resnet in resnets) h = h.Then(x => resnet.forward(x, null));
        if (upsamplers != null) foreach (var up in upsamplers) h = h.Then(x => up.forward(x, null));
        return h.MoveToOuterDisposeScope();
    }

    /// <summary><see cref="forward"/> in row bands of <paramref name="bandRows"/> (even) rows: same result, band-sized temporaries.</summary>
    internal Tensor ForwardInBands(Tensor hiddenStates, long bandRows)
    {
        using var scope = NewDisposeScope();
        var h = hiddenStates.alias();
        var bands = new RowBands(h.shape[2], bandRows);
        foreach (var resnet in resnets) h = h.Then(x => resnet.ForwardInBands(x, bands));
        if (upsamplers != null)
            foreach (var up in upsamplers) h = h.Then(x => up.ForwardInBands(x, new RowBands(2 * x.shape[2], bandRows)));
        return h.MoveToOuterDisposeScope();
    }
}
