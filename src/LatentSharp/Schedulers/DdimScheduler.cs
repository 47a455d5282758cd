using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// DDIM (Song et al. 2021, eq. 12): x_{t'} = √ᾱ_{t'}·x̂₀ + √(1−ᾱ_{t'}−σ²)·ε̂ + σ·z with
/// σ = η·√((1−ᾱ_{t'})/(1−ᾱ_t)·(1−ᾱ_t/ᾱ_{t'})). η = 0 (the default) is the deterministic sampler.
/// </summary>
public sealed class DdimScheduler : AlphaBarScheduler
{
    readonly float finalAlphaCumprod;

    public DdimScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: true) =>
        finalAlphaCumprod = FinalAlphaCumprod(setAlphaToOneByDefault: true);

    /// <summary>η: 0 is deterministic DDIM, 1 matches DDPM's posterior variance.</summary>
    public double Eta { get; init; }

    public override void SetTimesteps(int numInferenceSteps)
    {
        CheckStepCount(numInferenceSteps);
        var timesteps = NoiseSchedule.IndexableSpacedTimesteps(Config.TimestepSpacing ?? "leading", numInferenceSteps,
            NumTrainTimesteps, Config.StepsOffset ?? 0);
        SetTimestepSchedule(timesteps, ScalarType.Int64, numInferenceSteps);
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        if (NumInferenceSteps is not { } steps) throw new InvalidOperationException("DdimScheduler: call SetTimesteps first");
        using var scope = NewDisposeScope();
        double t = ValueOf(timestep), previousT = t - NumTrainTimesteps / steps;
        float alphaBar = AlphaBar(t, finalAlphaCumprod), alphaBarPrevious = AlphaBar(previousT, finalAlphaCumprod);

        var predictedOriginal = PredictOriginalSample(modelOutput, sample, alphaBar);
        var predictedEpsilon = PredictEpsilon(modelOutput, sample, predictedOriginal, alphaBar);
        predictedOriginal = ClipPredictedOriginal(predictedOriginal, clipSampleByDefault: true);

        float variance = (1f - alphaBarPrevious) / (1f - alphaBar) * (1f - alphaBar / alphaBarPrevious);
        float deviation = (float)Eta * MathF.Sqrt(variance);
        var direction = predictedEpsilon * MathF.Sqrt(1f - alphaBarPrevious - deviation * deviation);
        var previous = predictedOriginal * MathF.Sqrt(alphaBarPrevious) + direction;
        if (Eta > 0) previous += DrawNoise(noise, modelOutput) * deviation;

        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), predictedOriginal.MoveToOuterDisposeScope());
    }
}
