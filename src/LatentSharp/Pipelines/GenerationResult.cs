using LatentSharp.Imaging;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// The images of one request, each with the parameters that reproduce it, plus the tensors behind them:
/// the final latents before decoding and the decoded images as float NCHW in [0, 1].
/// </summary>
public sealed class GenerationResult(RgbImage[] images, GenerationParameters[] parameters, long[] seeds, Tensor latents, Tensor decoded)
    : IDisposable
{
    public IReadOnlyList<RgbImage> Images { get; } = images;
    public IReadOnlyList<GenerationParameters> Parameters { get; } = parameters;
    public IReadOnlyList<long> Seeds { get; } = seeds;

    /// <summary>[B, C, h, w] float32, the sampler's final latents (diffusers' output_type="latent").</summary>
    public Tensor Latents { get; } = latents;

    /// <summary>[B, 3, H, W] float32 in [0, 1] (diffusers' output_type="np", but NCHW).</summary>
    public Tensor Decoded { get; } = decoded;

    public void Dispose()
    {
        Latents.Dispose();
        Decoded.Dispose();
    }
}
