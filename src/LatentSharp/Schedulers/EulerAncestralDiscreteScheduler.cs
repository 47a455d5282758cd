using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// Ancestral Euler (k-diffusion's sample_euler_ancestral, η = 1): each step goes deterministically down
/// to σ_down and then adds fresh noise of size σ_up, with σ_down² + σ_up² = σ_next², so the marginal at
/// σ_next is right while part of the noise is renewed every step.
/// </summary>
public sealed class EulerAncestralDiscreteScheduler : SigmaScheduler
{
    public EulerAncestralDiscreteScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: true) { }

    public override void SetTimesteps(int numInferenceSteps)
    {
        var (timesteps, sigmas) = InferenceSchedule(numInferenceSteps, karras: false);
        SetSchedule(timesteps, [.. sigmas, 0], numInferenceSteps);
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        int index = CurrentStepIndex(timestep);
        float sigma = SigmaValues[index], sigmaNext = SigmaValues[index + 1];
        var x = sample.to_type(ScalarType.Float32);
        var predictedOriginal = PredictOriginalSample(modelOutput, x, sigma);

        float sigmaUp = MathF.Sqrt(sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) / (sigma * sigma));
        // Floored at 0: rounding can push σ_up a hair above σ_next.
        float sigmaDown = MathF.Sqrt(MathF.Max(sigmaNext * sigmaNext - sigmaUp * sigmaUp, 0f));
        var derivative = (x - predictedOriginal) / sigma;
        var previous = x + derivative * (sigmaDown - sigma);
        previous = (previous + DrawNoise(noise, modelOutput) * sigmaUp).to(modelOutput.dtype);

        StepIndex = index + 1;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), predictedOriginal.MoveToOuterDisposeScope());
    }
}
