using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>
/// Spatial transformer: GroupNorm, projection in, BasicTransformerBlocks over the H·W image tokens,
/// projection out, plus the input (residual). The projections are 1×1 convolutions (SD 1.x) or Linear
/// layers applied after flattening (SD 2.x, use_linear_projection).
/// </summary>
internal sealed class Transformer2DModel : nn.Module<Tensor, Tensor, Tensor>
{
    // diffusers builds this GroupNorm with eps 1e-6 whatever the U-Net's norm_eps.
    const double GroupNormEps = 1e-6;

    readonly GroupNorm32 norm;
    readonly nn.Module<Tensor, Tensor> proj_in;
    readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    readonly nn.Module<Tensor, Tensor> proj_out;
    readonly bool linearProjection;

    public Transformer2DModel(long channels, CrossAttentionSettings settings, Device? device = null) : base(nameof(Transformer2DModel))
    {
        long headDim = channels / settings.Heads;
        long inner = settings.Heads * headDim;
        linearProjection = settings.UseLinearProjection;
        norm = new GroupNorm32(settings.NormGroups, channels, GroupNormEps, device);
        proj_in = linearProjection ? nn.Linear(channels, inner, device: device) : nn.Conv2d(channels, inner, 1, device: device);
        transformer_blocks = nn.ModuleList(Enumerable.Range(0, settings.TransformerLayers)
            .Select(_ => new BasicTransformerBlock(inner, settings.Heads, headDim, settings.CrossAttentionDim,
                settings.OnlyCrossAttention, settings.UpcastAttention, device))
            .ToArray());
        proj_out = linearProjection ? nn.Linear(inner, channels, device: device) : nn.Conv2d(inner, channels, 1, device: device);
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, C, H, W]</param>
    /// <param name="encoderHiddenStates">[B, M, cross_attention_dim]</param>
    public override Tensor forward(Tensor hiddenStates, Tensor encoderHiddenStates)
    {
        using var scope = NewDisposeScope();
        long height = hiddenStates.shape[2], width = hiddenStates.shape[3];
        bool channelsLast = MemoryLayout.IsChannelsLast(hiddenStates);
        var h = norm.forward(hiddenStates);
        h = linearProjection ? h.Then(ToTokens).Then(x => TokenLinear.Forward((Linear)proj_in, x)) : h.Then(((Conv2d)proj_in).ToTokens);
        foreach (var block in transformer_blocks) h = h.Then(x => block.forward(x, encoderHiddenStates));
        h = linearProjection
            ? h.Then(x => TokenLinear.Forward((Linear)proj_out, x)).Then(x => ToImage(x, height, width, channelsLast))
            : h.Then(x => ((Conv2d)proj_out).FromTokens(x, height, width, channelsLast));
        return InPlace.Add(h, hiddenStates).MoveToOuterDisposeScope();
    }

    // The views made on the way are disposed here, not at the end of forward: each would keep its source alive.

    /// <summary>[B, C, H, W] → [B, H·W, C]</summary>
    static Tensor ToTokens(Tensor image)
    {
        using var channelsLast = image.permute(0, 2, 3, 1);
        return channelsLast.reshape(image.shape[0], image.shape[2] * image.shape[3], image.shape[1]);
    }

    /// <summary>[B, H·W, C] → [B, C, H, W], in the memory layout the block's input had: tokens already are
    /// channels-last, so a channels-last image is a view of them and a channels-first one a copy.</summary>
    static Tensor ToImage(Tensor tokens, long height, long width, bool channelsLast)
    {
        using var grid = tokens.reshape(tokens.shape[0], height, width, tokens.shape[2]);
        var image = grid.permute(0, 3, 1, 2);
        if (channelsLast) return image;
        using (image) return image.contiguous();
    }
}
