using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// Euler's method on the probability-flow ODE dx/dσ = (x − x̂₀)/σ (Karras et al. 2022, Algorithm 2,
/// with optional "churn": a little noise added to raise σ to σ̂ = σ·(1+γ) before the step).
/// With the defaults (no churn) the sampler is deterministic; it still draws one noise tensor per step,
/// as diffusers does, so a shared generator stays in step with the reference.
/// </summary>
public sealed class EulerDiscreteScheduler : SigmaScheduler
{
    public EulerDiscreteScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: true)
    {
        if ((Config.InterpolationType ?? "linear") != "linear")
            throw new LatentSharpException($"EulerDiscreteScheduler: interpolation_type '{Config.InterpolationType}' is not supported (linear)");
        if ((Config.TimestepType ?? "discrete") != "discrete")
            throw new LatentSharpException($"EulerDiscreteScheduler: timestep_type '{Config.TimestepType}' is not supported (discrete)");
    }

    /// <summary>Churn: how much noise to add per step (Karras' S_churn; 0 = plain Euler).</summary>
    public double SChurn { get; init; }
    public double STMin { get; init; }
    public double STMax { get; init; } = double.PositiveInfinity;
    public double SNoise { get; init; } = 1.0;

    public override void SetTimesteps(int numInferenceSteps)
    {
        var (timesteps, sigmas) = InferenceSchedule(numInferenceSteps, karras: Config.UseKarrasSigmas == true, Config.SigmaMin, Config.SigmaMax);
        SetSchedule(timesteps, [.. sigmas, 0], numInferenceSteps);
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        int index = CurrentStepIndex(timestep);
        float sigma = SigmaValues[index], sigmaNext = SigmaValues[index + 1];
        float gamma = STMin <= sigma && sigma <= STMax ? (float)Math.Min(SChurn / (SigmaValues.Count - 1), Math.Sqrt(2) - 1) : 0f;

        var epsilon = DrawNoise(noise, modelOutput) * SNoise;
        float sigmaHat = sigma * (gamma + 1);
        var x = sample.to_type(ScalarType.Float32);
        if (gamma > 0) x += epsilon * MathF.Sqrt(sigmaHat * sigmaHat - sigma * sigma);

        // diffusers reads ε-predictions at σ̂ but v-predictions at σ (the same thing without churn).
        var predictedOriginal = PredictOriginalSample(modelOutput, x, PredictionType == "v_prediction" ? sigma : sigmaHat);
        var derivative = (x - predictedOriginal) / sigmaHat;
        var previous = (x + derivative * (sigmaNext - sigmaHat)).to(modelOutput.dtype);

        StepIndex = index + 1;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), predictedOriginal.MoveToOuterDisposeScope());
    }
}
