using LatentSharp.Blocks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>Contracting level with attention: (residual block, spatial transformer) pairs, then an optional downsampler.</summary>
internal sealed class CrossAttnDownBlock2D : UNetDownBlock
{
    readonly ModuleList<Transformer2DModel> attentions;
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Downsample2D>? downsamplers;

    public CrossAttnDownBlock2D(long inChannels, long outChannels, int layers, ResnetSettings resnet, CrossAttentionSettings attention,
        bool addDownsample, long downsamplePadding, Device? device = null)
        : base(nameof(CrossAttnDownBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, resnet, device)).ToArray());
        attentions = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(_ => new Transformer2DModel(outChannels, attention, device)).ToArray());
        if (addDownsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, downsamplePadding, device));
        RegisterComponents();
    }

    public override (Tensor Output, IReadOnlyList<Tensor> Skips) Forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates)
    {
        var skips = new List<Tensor>();
        var h = hiddenStates;
        for (int i = 0; i < resnets.Count; i++)
        {
            using var afterResnet = resnets[i].forward(h, temb);
            skips.Add(h = attentions[i].forward(afterResnet, encoderHiddenStates));
        }
        if (downsamplers != null) foreach (var down in downsamplers) skips.Add(h = down.forward(h));
        return (h, skips);
    }
}
