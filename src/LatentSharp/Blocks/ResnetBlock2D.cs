using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Blocks;

/// <summary>
/// Residual block: GroupNorm, SiLU, 3×3 conv, plus the projected timestep embedding (U-Net only), GroupNorm,
/// SiLU, 3×3 conv, added to the input (through a 1×1 conv when the channel count changes).
/// </summary>
internal sealed class ResnetBlock2D : nn.Module<Tensor, Tensor?, Tensor>
{
    readonly GroupNorm32 norm1;
    readonly Conv2d conv1;
    readonly Linear? time_emb_proj;
    readonly GroupNorm32 norm2;
    readonly Conv2d conv2;
    readonly Conv2d? conv_shortcut;
    readonly double outputScaleFactor;

    public ResnetBlock2D(long inChannels, long outChannels, ResnetSettings settings, Device? device = null) : base(nameof(ResnetBlock2D))
    {
        norm1 = new GroupNorm32(settings.Groups, inChannels, settings.Eps, device);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1, device: device);
        if (settings.TembChannels is long temb) time_emb_proj = nn.Linear(temb, outChannels, device: device);
        norm2 = new GroupNorm32(settings.Groups, outChannels, settings.Eps, device);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, device: device);
        if (inChannels != outChannels) conv_shortcut = nn.Conv2d(inChannels, outChannels, 1, device: device);
        outputScaleFactor = settings.OutputScaleFactor;
        RegisterComponents();
    }

    /// <param name="input">[B, C_in, H, W]</param>
    /// <param name="temb">[B, temb_channels] timestep embedding, or null in the VAE.</param>
    public override Tensor forward(Tensor input, Tensor? temb)
    {
        using var scope = NewDisposeScope();
        // Temporaries are released as soon as they are consumed, so the block holds about three
        // activations at a time instead of all nine until it returns.
        var h = InPlace.Silu(norm1.forward(input)).Then(conv1.ForwardAligned);
        if (time_emb_proj != null)
        {
            if (temb is null) throw new ArgumentNullException(nameof(temb), "this residual block needs a timestep embedding");
            using var timeBias = time_emb_proj.forward(nn.functional.silu(temb));
            h = InPlace.Add(h, timeBias.unsqueeze(-1).unsqueeze(-1));
        }
        h = InPlace.Silu(h.Then(norm2.forward)).Then(conv2.ForwardAligned);
        using (var shortcut = conv_shortcut?.ForwardPointwise(input)) h = InPlace.Add(h, shortcut ?? input);
        if (outputScaleFactor != 1.0) h = InPlace.Divide(h, outputScaleFactor);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="forward"/> without a timestep embedding (the VAE's blocks), computed in row bands with each group
    /// norm's statistics taken over the whole image: the same result, with the temporaries of one band instead of
    /// the whole image. Holds two image-sized tensors (the input and the result, which reuses the middle
    /// activation's memory band by band). Inference only.
    /// </summary>
    internal Tensor ForwardInBands(Tensor input, RowBands bands)
    {
        if (time_emb_proj != null) throw new InvalidOperationException("banded evaluation is for residual blocks without a timestep embedding");
        using var scope = NewDisposeScope();
        var hidden = NormalizeThenConvolve(input, norm1, conv1, bands);
        using var folded = norm2.FoldOver(hidden, bands);
        Tensor? rowAbove = null;
        foreach (var (start, rows) in bands.All())
        {
            using var bandScope = NewDisposeScope();
            // Rows above the band were overwritten by the previous band's result: its last original row was kept.
            long end = Math.Min(start + rows + 1, hidden.shape[2]);
            var below = hidden.narrow(2, start, end - start);
            var band = rowAbove is null ? below : cat([rowAbove, below], 2);
            var convolved = conv2.ForwardAligned(InPlace.Silu(folded.Apply(band)));
            var result = RowBands.Own(convolved, rowAbove is null ? 0 : 1, rows);
            using (var inputRows = input.narrow(2, start, rows)) result = result + (conv_shortcut?.ForwardPointwise(inputRows) ?? inputRows);
            if (outputScaleFactor != 1.0) result = result / outputScaleFactor;
            rowAbove?.Dispose();
            rowAbove = hidden.narrow(2, start + rows - 1, 1).clone().MoveToOuterDisposeScope();
            hidden.narrow(2, start, rows).copy_(result);
        }
        rowAbove?.Dispose();
        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>conv(silu(norm(x))) band by band into a new image-sized tensor.</summary>
    static Tensor NormalizeThenConvolve(Tensor input, GroupNorm32 norm, Conv2d conv, RowBands bands)
    {
        using var folded = norm.FoldOver(input, bands);
        var output = empty([input.shape[0], conv.out_channels, input.shape[2], input.shape[3]], input.dtype);
        foreach (var (start, rows) in bands.All())
        {
            using var bandScope = NewDisposeScope();
            var (halo, skip) = RowBands.WithHalo(input, start, rows);
            var convolved = conv.ForwardAligned(InPlace.Silu(folded.Apply(halo)));
            output.narrow(2, start, rows).copy_(RowBands.Own(convolved, skip, rows));
        }
        return output;
    }
}
