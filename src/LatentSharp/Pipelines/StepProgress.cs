using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// Reported after each denoising step. <see cref="Latents"/> is the current sample [B, C, h, w]; it is
/// only valid during the callback (copy it to keep it), which is enough to draw a preview.
/// </summary>
public sealed record StepProgress(int Step, int TotalSteps, Tensor Latents);
