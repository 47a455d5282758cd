using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Blocks;

/// <summary>
/// Residual block: GroupNorm, SiLU, 3×3 conv, plus the projected timestep embedding (U-Net only), GroupNorm,
/// SiLU, 3×3 conv, added to the input (through a 1×1 conv when the channel count changes).
/// </summary>
public sealed class ResnetBlock2D : nn.Module<Tensor, Tensor?, Tensor>
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
        using (var shortcut = conv_shortcut?.forward(input)) h = InPlace.Add(h, shortcut ?? input);
        if (outputScaleFactor != 1.0) h = InPlace.Divide(h, outputScaleFactor);
        return h.MoveToOuterDisposeScope();
    }
}
