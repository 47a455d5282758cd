using LatentSharp.Blocks;
using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>Expanding level with attention: (residual block over [input ‖ skip], spatial transformer) pairs, then an optional upsampler.</summary>
internal sealed class CrossAttnUpBlock2D : UNetUpBlock
{
    readonly ModuleList<Transformer2DModel> attentions;
    readonly ModuleList<ResnetBlock2D> resnets;
    readonly ModuleList<Upsample2D>? upsamplers;

    /// <param name="inChannels">Channels of the deepest skip this block consumes (from the next-shallower down level).</param>
    /// <param name="prevOutputChannels">Channels coming up from the previous (deeper) up block.</param>
    public CrossAttnUpBlock2D(long inChannels, long prevOutputChannels, long outChannels, int layers, ResnetSettings resnet,
        CrossAttentionSettings attention, bool addUpsample, Device? device = null)
        : base(nameof(CrossAttnUpBlock2D))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(UpBlockChannels.ResnetInput(i, layers, inChannels, prevOutputChannels, outChannels), outChannels, resnet, device))
            .ToArray());
        attentions = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(_ => new Transformer2DModel(outChannels, attention, device)).ToArray());
        if (addUpsample) upsamplers = nn.ModuleList(new Upsample2D(outChannels, device));
        RegisterComponents();
    }

    public override int Layers => resnets.Count;

    public override Tensor Forward(Tensor hiddenStates, IReadOnlyList<Tensor> skips, Tensor temb, Tensor encoderHiddenStates, long[]? upsampleSize)
    {
        using var scope = NewDisposeScope();
        var h = hiddenStates.alias();
        for (int i = 0; i < resnets.Count; i++)
        {
            var (resnet, attention, skip) = (resnets[i], attentions[i], skips[^(i + 1)]);
            h = h.Then(x => ResnetOverSkip(resnet, x, skip, temb)).Then(x => attention.forward(x, encoderHiddenStates));
        }
        if (upsamplers != null) foreach (var up in upsamplers) h = h.Then(x => up.forward(x, upsampleSize));
        return h.MoveToOuterDisposeScope();
    }
}
