using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// DDPM ancestral sampling (Ho et al. 2020, eq. 7): x_{t'} is drawn from the posterior q(x_{t'} | x_t, x̂₀),
/// whose mean mixes the predicted x₀ and x_t and whose variance is the "fixed_small" β̃ (or "fixed_large" β).
/// Over a shortened schedule t' = t − T/N and the per-step β is recomputed from ᾱ_t/ᾱ_t'.
/// </summary>
public sealed class DdpmScheduler : AlphaBarScheduler
{
    public DdpmScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: true)
    {
        if (VarianceType is not ("fixed_small" or "fixed_small_log" or "fixed_large"))
            throw new LatentSharpException(
                $"DDPMScheduler: variance_type '{VarianceType}' is not supported (fixed_small, fixed_small_log, fixed_large)");
    }

    string VarianceType => Config.VarianceType ?? "fixed_small";

    public override void SetTimesteps(int numInferenceSteps)
    {
        CheckStepCount(numInferenceSteps);
        var timesteps = NoiseSchedule.IndexableSpacedTimesteps(Config.TimestepSpacing ?? "leading", numInferenceSteps,
            NumTrainTimesteps, Config.StepsOffset ?? 0);
        SetTimestepSchedule(timesteps, ScalarType.Int64, numInferenceSteps);
    }

    double PreviousTimestep(double t) => t - NumTrainTimesteps / (NumInferenceSteps ?? NumTrainTimesteps);

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        double t = ValueOf(timestep), previousT = PreviousTimestep(t);
        float alphaBar = AlphaBar(t, 1f), alphaBarPrevious = AlphaBar(previousT, 1f);
        float beta = 1f - alphaBar, betaPrevious = 1f - alphaBarPrevious;
        float stepAlpha = alphaBar / alphaBarPrevious, stepBeta = 1f - stepAlpha;

        var predictedOriginal = ClipPredictedOriginal(PredictOriginalSample(modelOutput, sample, alphaBar), clipSampleByDefault: true);

        // Mean of q(x_{t'} | x_t, x₀), eq. 7.
        float originalCoefficient = MathF.Sqrt(alphaBarPrevious) * stepBeta / beta;
        float sampleCoefficient = MathF.Sqrt(stepAlpha) * betaPrevious / beta;
        var previous = predictedOriginal * originalCoefficient + sample * sampleCoefficient;

        if (t > 0) previous += DrawNoise(noise, modelOutput) * StandardDeviation(alphaBar, alphaBarPrevious);

        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), predictedOriginal.MoveToOuterDisposeScope());
    }

    /// <summary>The standard deviation of the step's noise for the configured variance type.</summary>
    float StandardDeviation(float alphaBar, float alphaBarPrevious)
    {
        float stepBeta = 1f - alphaBar / alphaBarPrevious;
        // β̃ = (1−ᾱ_{t'})/(1−ᾱ_t)·β_t, floored so its log stays finite at t' = 0.
        float posteriorVariance = MathF.Max((1f - alphaBarPrevious) / (1f - alphaBar) * stepBeta, 1e-20f);
        // fixed_small_log computes the same deviation through exp(½·log β̃).
        return VarianceType == "fixed_large" ? MathF.Sqrt(stepBeta) : MathF.Sqrt(posteriorVariance);
    }
}
