using LatentSharp.Blocks;
using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>
/// Stable Diffusion's KL-regularised autoencoder (diffusers' AutoencoderKL): images in [−1, 1] to a diagonal
/// Gaussian over latents and latents back to images. Submodule names equal the diffusers checkpoint keys.
/// Scaling by <see cref="AutoencoderKLConfig.ScalingFactor"/> is the caller's job, as in diffusers.
/// </summary>
public sealed class AutoencoderKL : nn.Module
{
    // diffusers builds every GroupNorm of the autoencoder with eps 1e-6.
    const double NormEps = 1e-6;

    readonly Encoder encoder;
    readonly Decoder decoder;
    readonly Conv2d quant_conv;
    readonly Conv2d post_quant_conv;

    /// <param name="device">Where to build the parameters; the meta device builds shapes only (see ParameterStorage).</param>
    public AutoencoderKL(AutoencoderKLConfig config, Device? device = null) : base(nameof(AutoencoderKL))
    {
        Config = config.Validate();
        encoder = new Encoder(config, device);
        decoder = new Decoder(config, device);
        quant_conv = nn.Conv2d(2 * config.LatentChannels, 2 * config.LatentChannels, 1, device: device);
        post_quant_conv = nn.Conv2d(config.LatentChannels, config.LatentChannels, 1, device: device);
        RegisterComponents();
    }

    public AutoencoderKLConfig Config { get; }

    /// <param name="image">[B, in_channels, H, W] in [−1, 1].</param>
    public DiagonalGaussianDistribution Encode(Tensor image)
    {
        Tensor moments;
        using (NewDisposeScope()) moments = quant_conv.forward(encoder.forward(image)).MoveToOuterDisposeScope();
        return new DiagonalGaussianDistribution(moments);
    }

    /// <param name="latent">[B, latent_channels, h, w], already divided by the scaling factor.</param>
    /// <param name="intermediates">If given, receives the <c>post_quant_conv</c> output.</param>
    /// <returns>[B, out_channels, h·f, w·f], roughly in [−1, 1].</returns>
    public Tensor Decode(Tensor latent, IDictionary<string, Tensor>? intermediates = null)
    {
        using var scope = NewDisposeScope();
        var z = post_quant_conv.forward(latent);
        Intermediates.Capture(intermediates, "post_quant_conv", z);
        return decoder.forward(z).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="Decode"/> with the decoder's two highest-resolution levels computed in row bands of
    /// <paramref name="bandRows"/> image rows (see <see cref="Decoder.ForwardInBands"/>): the same image to float32
    /// rounding — not an approximation like tiling — in a fraction of the memory for large images.
    /// </summary>
    public Tensor DecodeInBands(Tensor latent, long bandRows = DefaultBandRows)
    {
        using var scope = NewDisposeScope();
        return decoder.ForwardInBands(post_quant_conv.forward(latent), bandRows).MoveToOuterDisposeScope();
    }

    /// <summary>Rows per band of <see cref="DecodeInBands"/>: at 512 pixels wide, one 128-channel band of the last level is 17 MB in float32.</summary>
    public const long DefaultBandRows = 64;

    internal static ResnetSettings ResnetSettingsFor(AutoencoderKLConfig config) => new(null, config.NormNumGroups, NormEps);
}
