namespace LatentSharp.Pipelines;

/// <summary>
/// The three modes by name, as the command line has them (<c>sd generate</c>, <c>sd img2img</c>, <c>sd inpaint</c>):
/// one request record for all three, each method checking that the request has the inputs its mode needs.
/// </summary>
public sealed partial class StableDiffusionPipeline
{
    /// <summary>Text-to-image: the request must have no <see cref="GenerationRequest.Image"/>.</summary>
    /// <inheritdoc cref="Generate(GenerationRequest, IProgress{GenerationProgress}?, CancellationToken, int)"/>
    public GenerationResult TextToImage(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancellation = default, int previewEvery = 1) =>
        Generate(Require(request, GenerationMode.TextToImage), progress, cancellation, previewEvery);

    /// <summary>
    /// Image-to-image: repaints <see cref="GenerationRequest.Image"/> (no mask) by its <see cref="GenerationRequest.Strength"/>
    /// (default 0.8): the image is encoded, noised to that point of the schedule and denoised from there.
    /// </summary>
    /// <inheritdoc cref="Generate(GenerationRequest, IProgress{GenerationProgress}?, CancellationToken, int)"/>
    public GenerationResult ImageToImage(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancellation = default, int previewEvery = 1) =>
        Generate(Require(request, GenerationMode.ImageToImage), progress, cancellation, previewEvery);

    /// <summary>
    /// Inpainting: repaints the white part of <see cref="GenerationRequest.Mask"/> in <see cref="GenerationRequest.Image"/>
    /// and keeps the rest (ordinary and 9-channel inpainting models).
    /// </summary>
    /// <inheritdoc cref="Generate(GenerationRequest, IProgress{GenerationProgress}?, CancellationToken, int)"/>
    public GenerationResult Inpaint(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancellation = default, int previewEvery = 1) =>
        Generate(Require(request, GenerationMode.Inpainting), progress, cancellation, previewEvery);

    static GenerationRequest Require(GenerationRequest request, GenerationMode mode)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Mode == mode) return request;
        string needs = mode switch
        {
            GenerationMode.TextToImage => "text-to-image takes no Image (set one and call ImageToImage or Inpaint)",
            GenerationMode.ImageToImage => request.Image is null ? "image-to-image needs an Image" : "image-to-image takes no Mask (call Inpaint)",
            _ => request.Image is null ? "inpainting needs an Image and a Mask" : "inpainting needs a Mask",
        };
        throw new ArgumentException(needs, nameof(request));
    }
}
