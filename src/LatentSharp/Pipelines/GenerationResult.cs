using LatentSharp.Imaging;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// The images of one request, each with the parameters that reproduce it, plus the tensors behind them:
/// the final latents before decoding and the decoded images as float NCHW in [0, 1]. Dispose it to free the tensors
/// (the images and parameters stay usable).
/// </summary>
public sealed class GenerationResult(RgbImage[] images, GenerationParameters[] parameters, long[] seeds, Tensor latents, Tensor decoded)
    : IDisposable
{
    /// <summary>The generated images, one per batch entry.</summary>
    public IReadOnlyList<RgbImage> Images { get; } = images;

    /// <summary>For each image, the parameters that reproduce it (prompt, sampler, steps, guidance, its own seed, size, model, LoRAs).</summary>
    public IReadOnlyList<GenerationParameters> Parameters { get; } = parameters;

    /// <summary>Image i's seed: the request's seed + i.</summary>
    public IReadOnlyList<long> Seeds { get; } = seeds;

    /// <summary>For each image, its parameters as AUTOMATIC1111's infotext (the PNG "parameters" text <see cref="SaveAsPng"/> writes).</summary>
    public IReadOnlyList<string> Infotexts => Parameters.Select(p => p.Format()).ToArray();

    /// <summary>
    /// Writes image <paramref name="index"/> as a PNG carrying its infotext (what <c>sd info FILE</c> and AUTOMATIC1111's
    /// "PNG Info" read), atomically: a failed write leaves no partial file.
    /// </summary>
    public void SaveAsPng(string path, int index = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Images.Count);
        PngWriter.Write(path, Images[index], Parameters[index]);
    }

    /// <summary>[B, C, h, w] float32, the sampler's final latents (diffusers' output_type="latent").</summary>
    public Tensor Latents { get; } = latents;

    /// <summary>[B, 3, H, W] float32 in [0, 1] (diffusers' output_type="np", but NCHW).</summary>
    public Tensor Decoded { get; } = decoded;

    /// <summary>Frees <see cref="Latents"/> and <see cref="Decoded"/>.</summary>
    public void Dispose()
    {
        Latents.Dispose();
        Decoded.Dispose();
    }
}
