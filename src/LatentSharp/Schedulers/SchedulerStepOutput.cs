using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// The result of one sampler step: the sample at the next timestep, and the sampler's current estimate of
/// the clean sample x₀ when it makes one (<see cref="Denoised"/> is LCM's consistency-model output).
/// </summary>
public sealed record SchedulerStepOutput(Tensor PrevSample, Tensor? PredOriginalSample, Tensor? Denoised = null);
