using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// A diffusion sampler with diffusers' scheduler contract: <see cref="SetTimesteps"/>, then for each
/// t in <see cref="Timesteps"/>: model(<see cref="ScaleModelInput"/>(x, t), t) → <see cref="Step"/>.
/// Samplers keep state between steps (step index, multistep history), so one instance runs one
/// sampling loop at a time.
/// </summary>
public interface IScheduler : IDisposable
{
    SchedulerConfig Config { get; }

    /// <summary>Model evaluations per step of the underlying solver (diffusers' <c>scheduler.order</c>: Heun 2, the rest 1).</summary>
    int Order { get; }

    void SetTimesteps(int numInferenceSteps);

    /// <summary>The timesteps to visit, high to low: int64, or float32 for the k-diffusion samplers (as diffusers holds them).</summary>
    Tensor Timesteps { get; }

    /// <summary>The noise level σ at each timestep plus the final one, float32 (null for the ᾱ-indexed samplers).</summary>
    Tensor? Sigmas { get; }

    /// <summary>The standard deviation of the initial noise: multiply N(0, I) latents by this.</summary>
    double InitNoiseSigma { get; }

    /// <summary>Start the next run at this index of <see cref="Timesteps"/> (img2img; diffusers' set_begin_index).</summary>
    void SetBeginIndex(int beginIndex);

    /// <summary>The sample as the model expects it at <paramref name="timestep"/> (k-diffusion samplers divide by √(σ²+1)).</summary>
    Tensor ScaleModelInput(Tensor sample, Tensor timestep);

    /// <summary>One sampler step from <paramref name="timestep"/> to the next; <paramref name="noise"/> feeds the stochastic samplers.</summary>
    SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null);

    /// <summary>The forward process: clean samples noised to the level of each item's timestep.</summary>
    Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps);
}
