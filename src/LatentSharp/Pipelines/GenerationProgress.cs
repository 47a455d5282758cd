using LatentSharp.Imaging;

namespace LatentSharp.Pipelines;

/// <summary>
/// Where a generation is, for an <see cref="IProgress{T}"/>: reported once after every denoising step. Unlike
/// <see cref="StepProgress"/> it holds no tensor, so it stays valid after the report (Progress&lt;T&gt; hands it to
/// another thread, a UI keeps the preview).
/// </summary>
/// <param name="Step">Steps done, 1 … <paramref name="TotalSteps"/>.</param>
/// <param name="TotalSteps">
/// Steps the sampler runs in all: the request's <c>Steps</c>, or fewer for image-to-image (only the part of the
/// schedule its strength covers), or one more for PNDM.
/// </param>
/// <param name="Preview">
/// The first image of the batch, decoded from the latents after this step (a full VAE decode, so what the finished
/// image would be if sampling stopped here); null on steps the preview interval skips.
/// </param>
public sealed record GenerationProgress(int Step, int TotalSteps, RgbImage? Preview)
{
    /// <summary>Steps done as a fraction of all, in (0, 1].</summary>
    public double Fraction => (double)Step / TotalSteps;
}
