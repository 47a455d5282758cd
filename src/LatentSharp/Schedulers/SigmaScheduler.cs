using System.Diagnostics;
using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// The k-diffusion family (LMS, Euler, Euler ancestral, Heun): samplers of the ODE/SDE in σ-space of
/// Karras et al. 2022, on x = x₀ + σ·ε, which is the diffusers sample x_t scaled by √(1+σ²). The model
/// still takes x_t, hence <see cref="ScaleModelInput"/>; the timesteps are fractional (float32), each
/// with σ interpolated from the training σs, and a final σ = 0.
/// </summary>
public abstract class SigmaScheduler : Scheduler
{
    protected SigmaScheduler(SchedulerConfig config, bool supportsZeroSnr)
        : base(config, new NoiseSchedule(config, rescaleZeroSnr: supportsZeroSnr && config.RescaleBetasZeroSnr == true, finiteTerminalSigma: true)) =>
        RequirePredictionType("epsilon", "v_prediction", "sample");

    protected string TimestepSpacing => Config.TimestepSpacing ?? "linspace";

    /// <summary>σ_max for spacings that start at the last training timestep, else the std of x_t at the first one, √(σ_max²+1).</summary>
    public override double InitNoiseSigma
    {
        get
        {
            if (SigmaValues.Count == 0) throw new InvalidOperationException($"{GetType().Name}: call SetTimesteps first");
            float max = SigmaValues.Max();
            return TimestepSpacing is "linspace" or "trailing" ? max : MathF.Sqrt(max * max + 1f);
        }
    }

    /// <summary>x_t = x/√(σ²+1): the model was trained on variance-preserving inputs.</summary>
    public override Tensor ScaleModelInput(Tensor sample, Tensor timestep)
    {
        float sigma = SigmaValues[CurrentStepIndex(timestep)];
        return sample / MathF.Sqrt(sigma * sigma + 1f);
    }

    /// <summary>
    /// The spaced timesteps of an N-step run and their σs (interpolated in t, or Karras-spaced between the
    /// end σs with t mapped back from σ), without the final σ = 0.
    /// </summary>
    /// <param name="karras">Karras σs (use_karras_sigmas, for the samplers that support it).</param>
    /// <param name="sigmaMin">Overrides the Karras range's low end (EulerDiscrete's sigma_min).</param>
    /// <param name="sigmaMax">Overrides the Karras range's high end (EulerDiscrete's sigma_max).</param>
    protected (double[] Timesteps, double[] Sigmas) InferenceSchedule(int numInferenceSteps, bool karras, double? sigmaMin = null, double? sigmaMax = null)
    {
        CheckStepCount(numInferenceSteps);
        var timesteps = NoiseSchedule.SpacedTimesteps(TimestepSpacing, numInferenceSteps, NumTrainTimesteps, Config.StepsOffset ?? 0, roundLinspace: false)
            .Select(t => (double)(float)t).ToArray();
        var trainSigmas = Schedule.TrainSigmas();
        var sigmas = timesteps.Select(t => NoiseSchedule.Interp(t, trainSigmas)).ToArray();
        if (karras)
        {
            sigmas = NoiseSchedule.KarrasSigmas(sigmaMin ?? sigmas[^1], sigmaMax ?? sigmas[0], numInferenceSteps);
            var logSigmas = NoiseSchedule.LogSigmas(trainSigmas);
            timesteps = sigmas.Select(s => NoiseSchedule.SigmaToTimestep(s, logSigmas)).ToArray();
        }
        return (timesteps, sigmas);
    }

    /// <summary>Installs the run's float32 timesteps and its σs (those of the timesteps, then 0).</summary>
    protected void SetSchedule(double[] timesteps, double[] sigmasWithFinal, int numInferenceSteps)
    {
        SetTimestepSchedule(timesteps, ScalarType.Float32, numInferenceSteps);
        SetSigmas(sigmasWithFinal);
    }

    /// <summary>x̂₀ from the model output at noise level σ (x is the σ-space sample).</summary>
    protected Tensor PredictOriginalSample(Tensor modelOutput, Tensor sample, float sigma) => PredictionType switch
    {
        "epsilon" => sample - modelOutput * sigma,
        // v = α·ε − σ_t·x₀ with α = 1/√(σ²+1), σ_t = σ·α, rewritten for x = x₀ + σε.
        "v_prediction" => modelOutput * (-sigma / MathF.Sqrt(sigma * sigma + 1f)) + sample / (sigma * sigma + 1f),
        "sample" => modelOutput.alias(),
        _ => throw new UnreachableException("prediction_type is checked when the sampler is built"),
    };

    /// <summary>x = x₀ + σ·ε with the σ of each item's timestep (or of the begin index, for img2img).</summary>
    public override Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var sigma = PerItem(StepIndicesForNoising(timesteps).Select(i => SigmaValues[i]), originalSamples);
        return (originalSamples + noise * sigma).MoveToOuterDisposeScope();
    }
}
