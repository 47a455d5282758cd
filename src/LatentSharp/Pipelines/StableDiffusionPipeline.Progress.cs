using LatentSharp.Imaging;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// Generation reported through <see cref="IProgress{T}"/> with preview images, and on a worker thread as a task: the
/// library user's forms of <see cref="Generate(GenerationRequest, Action{StepProgress}?, CancellationToken)"/>.
/// </summary>
public sealed partial class StableDiffusionPipeline
{
    /// <summary>
    /// Generates as <see cref="Generate(GenerationRequest, Action{StepProgress}?, CancellationToken)"/> does, reporting
    /// every step to <paramref name="progress"/> with a preview image every <paramref name="previewEvery"/> steps.
    /// </summary>
    /// <param name="request">What to generate; an <see cref="GenerationRequest.Image"/> makes it image-to-image, an image and a
    /// <see cref="GenerationRequest.Mask"/> inpainting.</param>
    /// <param name="progress">Receives a <see cref="GenerationProgress"/> after each step; null: none.</param>
    /// <param name="cancellation">Checked before every step: a cancelled token stops the generation within one step
    /// with <see cref="OperationCanceledException"/>.</param>
    /// <param name="previewEvery">Decode a preview on every n-th step (each costs a VAE decode of one image); 0: no previews.</param>
    /// <returns>The images, each with the parameters (infotext) that reproduce it; dispose it to free its tensors.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled before the last step.</exception>
    /// <exception cref="LatentSharpException">The request does not fit the model (size, strength, mask, LoRA, …).</exception>
    public GenerationResult Generate(GenerationRequest request, IProgress<GenerationProgress>? progress, CancellationToken cancellation = default,
        int previewEvery = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(previewEvery);
        return Generate(request, progress is null ? null : step => progress.Report(Report(step, previewEvery)), cancellation);
    }

    /// <summary>
    /// <see cref="Generate(GenerationRequest, IProgress{GenerationProgress}?, CancellationToken, int)"/> on a thread-pool
    /// thread, for applications whose own thread must stay free (a UI, a web request). One generation at a time per pipeline:
    /// await one before starting the next.
    /// </summary>
    public Task<GenerationResult> GenerateAsync(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken cancellation = default, int previewEvery = 1) =>
        Task.Run(() => Generate(request, progress, cancellation, previewEvery), cancellation);

    GenerationProgress Report(StepProgress step, int previewEvery)
    {
        bool preview = previewEvery > 0 && step.Step % previewEvery == 0;
        return new GenerationProgress(step.Step, step.TotalSteps, preview ? Preview(step.Latents) : null);
    }

    /// <summary>The first image of the batch decoded from <paramref name="latents"/> (a copy: the latents live only during the step callback).</summary>
    RgbImage Preview(Tensor latents)
    {
        using var scope = NewDisposeScope();
        return ImageTensors.FromUnitRange(DecodeLatents(latents.narrow(0, 0, 1)))[0];
    }
}
