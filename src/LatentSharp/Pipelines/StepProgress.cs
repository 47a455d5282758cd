using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// Reported after each denoising step. <see cref="Latents"/> is the current sample [B, C, h, w]; it is
/// only valid during the callback (copy it to keep it), which is enough to draw a preview.
/// </summary>
/// <param name="Step">Steps done, 1 … <paramref name="TotalSteps"/>.</param>
/// <param name="TotalSteps">Steps the sampler runs in all.</param>
/// <param name="Latents">The sample after this step, [B, C, h, w] float32.</param>
public sealed record StepProgress(int Step, int TotalSteps, Tensor Latents);
