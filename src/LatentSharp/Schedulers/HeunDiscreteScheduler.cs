using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// Heun's method (Karras et al. 2022, Algorithm 1 without churn): an Euler step to σ_next, then a second
/// model evaluation there and a step with the average of both slopes. Every timestep after the first is
/// listed twice (diffusers' order 2), so the model is called twice per interval except on the last,
/// which ends at σ = 0 and stays a single Euler step.
/// </summary>
public sealed class HeunDiscreteScheduler : SigmaScheduler
{
    Tensor? firstSlope;      // dx/dσ at the start of the interval (set between the two calls)
    Tensor? intervalStart;   // x at the start of the interval
    float intervalDt;

    public HeunDiscreteScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: false) { }

    public override int Order => 2;

    bool InFirstOrderState => firstSlope is null;

    public override void SetTimesteps(int numInferenceSteps)
    {
        var (timesteps, sigmas) = InferenceSchedule(numInferenceSteps, karras: Config.UseKarrasSigmas == true);
        double[] withFinal = [.. sigmas, 0];
        double[] repeatedSigmas = [withFinal[0], .. withFinal[1..^1].SelectMany(s => new[] { s, s }), withFinal[^1]];
        double[] repeatedTimesteps = [timesteps[0], .. timesteps[1..].SelectMany(t => new[] { t, t })];
        SetSchedule(repeatedTimesteps, repeatedSigmas, numInferenceSteps);
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        int index = CurrentStepIndex(timestep);
        bool first = InFirstOrderState;
        // The second call re-evaluates at the end of the interval the first call stepped over.
        float sigma = first ? SigmaValues[index] : SigmaValues[index - 1];
        float sigmaNext = first ? SigmaValues[index + 1] : SigmaValues[index];

        var predictedOriginal = PredictOriginalSample(modelOutput, sample, first ? sigma : sigmaNext);
        if (Config.ClipSample == true)
        {
            double range = Config.ClipSampleRange ?? 1.0;
            predictedOriginal = predictedOriginal.clamp(-range, range);
        }

        Tensor previous;
        if (first)
        {
            var slope = (sample - predictedOriginal) / sigma;
            intervalDt = sigmaNext - sigma;
            firstSlope = Keep(slope.clone());
            intervalStart = Keep(sample.clone());
            previous = sample + slope * intervalDt;
        }
        else
        {
            var slope = ((sample - predictedOriginal) / sigmaNext + firstSlope!) / 2;
            previous = intervalStart! + slope * intervalDt;
            ResetState();
        }

        StepIndex = index + 1;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), null);
    }

    protected override void ResetState()
    {
        firstSlope?.Dispose();
        intervalStart?.Dispose();
        firstSlope = intervalStart = null;
    }
}
