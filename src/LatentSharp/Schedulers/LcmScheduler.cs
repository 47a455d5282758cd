using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// Latent Consistency Model multistep sampling (Luo et al. 2023, Algorithm 1). The model is a consistency
/// function: its boundary-condition parametrisation c_skip(t)·x_t + c_out(t)·x̂₀ gives the clean sample in
/// one evaluation; each step re-noises that estimate to the next timestep with fresh noise.
/// The timesteps are a subset of the distillation schedule (every T/original_inference_steps-th step).
/// </summary>
public sealed class LcmScheduler : AlphaBarScheduler
{
    const double SigmaData = 0.5;

    readonly float finalAlphaCumprod;

    public LcmScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: true) =>
        finalAlphaCumprod = FinalAlphaCumprod(setAlphaToOneByDefault: true);

    public override void SetTimesteps(int numInferenceSteps)
    {
        CheckStepCount(numInferenceSteps);
        int originalSteps = Config.OriginalInferenceSteps ?? 50;
        if (originalSteps > NumTrainTimesteps)
            throw new LatentSharpException($"LCMScheduler: original_inference_steps {originalSteps} exceeds num_train_timesteps {NumTrainTimesteps}");
        if (numInferenceSteps > originalSteps)
            throw new LatentSharpException($"LCMScheduler: at most {originalSteps} steps (original_inference_steps), got {numInferenceSteps}");

        // The distillation schedule k−1, 2k−1, …, T−1 (k = T/original_steps), high to low, sampled at evenly spaced positions.
        int k = NumTrainTimesteps / originalSteps;
        var origin = Enumerable.Range(1, originalSteps).Select(i => (double)(i * k - 1)).Reverse().ToArray();
        var positions = NoiseSchedule.Linspace(0, origin.Length, numInferenceSteps, endpoint: false);
        var timesteps = positions.Select(p => origin[(int)Math.Floor(p)]).ToArray();
        SetTimestepSchedule(timesteps, ScalarType.Int64, numInferenceSteps);
    }

    /// <summary>c_skip and c_out of the consistency parametrisation at t (t scaled by timestep_scaling).</summary>
    (float Skip, float Out) BoundaryConditionScalings(double t)
    {
        float scaled = (float)(t * (Config.TimestepScaling ?? 10.0));
        float denominator = scaled * scaled + (float)(SigmaData * SigmaData);
        return ((float)(SigmaData * SigmaData) / denominator, scaled / MathF.Sqrt(denominator));
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        int index = CurrentStepIndex(timestep);
        double t = ValueOf(timestep);
        double previousT = index + 1 < TimestepValues.Length ? TimestepValues[index + 1] : t;
        float alphaBarPrevious = AlphaBar(previousT, finalAlphaCumprod);

        var (skip, output) = BoundaryConditionScalings(t);
        var predictedOriginal = ClipPredictedOriginal(PredictOriginalSample(modelOutput, sample, AlphaBar(t, finalAlphaCumprod)), clipSampleByDefault: false);
        var denoised = predictedOriginal * output + sample * skip;

        // Every step but the last re-noises the clean estimate to the next timestep.
        var previous = index != NumInferenceSteps - 1
            ? denoised * MathF.Sqrt(alphaBarPrevious) + DrawNoise(noise, modelOutput) * MathF.Sqrt(1f - alphaBarPrevious)
            : denoised.alias();

        StepIndex = index + 1;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), null, denoised.MoveToOuterDisposeScope());
    }
}
