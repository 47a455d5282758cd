using System.Diagnostics;
using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// The exponential-integrator multistep solvers (DPM-Solver++, UniPC): integer timesteps, each with a
/// noise level σ; they work with α_t = 1/√(σ²+1), σ_t = σ·α_t and the half log-SNR λ = log α_t − log σ_t,
/// on a data (x₀) prediction of the model, and keep the predictions of previous steps.
/// </summary>
public abstract class MultistepScheduler : Scheduler
{
    protected MultistepScheduler(SchedulerConfig config, bool supportsZeroSnr)
        : base(config, new NoiseSchedule(config, rescaleZeroSnr: supportsZeroSnr && config.RescaleBetasZeroSnr == true, finiteTerminalSigma: true)) =>
        RequirePredictionType("epsilon", "sample", "v_prediction");

    protected int SolverOrder => Config.SolverOrder ?? 2;

    /// <summary>
    /// The N timesteps for <c>timestep_spacing</c>: N+1 points from the last allowed timestep down to 0,
    /// dropping the final 0 ("linspace" and "leading"), or N points ending at 0 ("trailing").
    /// </summary>
    protected double[] SpacedTimesteps(int numInferenceSteps, int lastTimestep)
    {
        CheckStepCount(numInferenceSteps);
        string spacing = Config.TimestepSpacing ?? "linspace";
        int offset = Config.StepsOffset ?? 0;
        return spacing switch
        {
            "linspace" => NoiseSchedule.Linspace(0, lastTimestep - 1, numInferenceSteps + 1).Select(t => Math.Round(t)).Reverse().SkipLast(1).ToArray(),
            "leading" => NoiseSchedule.SpacedTimesteps("leading", numInferenceSteps + 1, lastTimestep, 0, true).SkipLast(1).Select(t => t + offset).ToArray(),
            "trailing" => NoiseSchedule.Arange(lastTimestep, 0, -(double)NumTrainTimesteps / numInferenceSteps).Select(t => Math.Round(t) - 1).ToArray(),
            _ => throw new LatentSharpException($"timestep_spacing '{spacing}' is not supported (leading, trailing, linspace)"),
        };
    }

    /// <summary>
    /// The σs of <paramref name="timesteps"/> (table look-ups), or Karras σs over the training range with
    /// their timesteps mapped back and rounded; without the final σ.
    /// </summary>
    protected (double[] Timesteps, double[] Sigmas) InferenceSigmas(double[] timesteps, bool karras, int numInferenceSteps)
    {
        var trainSigmas = Schedule.TrainSigmas();
        if (!karras) return (timesteps, timesteps.Select(t => NoiseSchedule.Interp(t, trainSigmas)).ToArray());
        var sigmas = NoiseSchedule.KarrasSigmas(trainSigmas[0], trainSigmas[^1], numInferenceSteps);
        var logSigmas = NoiseSchedule.LogSigmas(trainSigmas);
        return (sigmas.Select(s => Math.Round(NoiseSchedule.SigmaToTimestep(s, logSigmas))).ToArray(), sigmas);
    }

    /// <summary>Installs the run's integer timesteps and its σs (those of the timesteps, then the final one).</summary>
    protected void SetSchedule(double[] timesteps, double[] sigmasWithFinal, int numInferenceSteps)
    {
        SetTimestepSchedule(timesteps, ScalarType.Int64, numInferenceSteps);
        SetSigmas(sigmasWithFinal);
    }

    /// <summary>σ of ᾱ_0: the smallest training noise level.</summary>
    protected float MinimumTrainSigma => Schedule.TrainSigmas()[0];

    /// <summary>α_t and σ_t of step <paramref name="index"/>'s noise level.</summary>
    protected (double Alpha, double Sigma) AlphaSigma(int index)
    {
        double sigma = SigmaValues[index];
        double alpha = 1 / Math.Sqrt(sigma * sigma + 1);
        return (alpha, sigma * alpha);
    }

    /// <summary>λ = log α_t − log σ_t (∞ at σ = 0).</summary>
    protected double Lambda(int index)
    {
        var (alpha, sigma) = AlphaSigma(index);
        return Math.Log(alpha) - Math.Log(sigma);
    }

    /// <summary>x̂₀ at step <paramref name="index"/> from an ε, x₀ or v prediction, dynamically thresholded if configured.</summary>
    protected Tensor PredictOriginalSample(Tensor modelOutput, Tensor sample, int index)
    {
        var (alpha, sigma) = AlphaSigma(index);
        var x0 = PredictionType switch
        {
            "epsilon" => (sample - modelOutput * sigma) / alpha,
            "sample" => modelOutput.alias(),
            "v_prediction" => sample * alpha - modelOutput * sigma,
            _ => throw new UnreachableException("prediction_type is checked when the sampler is built"),
        };
        return Config.Thresholding == true ? DynamicThresholding.Apply(x0, Config) : x0;
    }

    /// <summary>Timesteps not in the schedule map to its last step (diffusers' multistep rule).</summary>
    protected override int IndexForTimestep(double t)
    {
        int first = Array.IndexOf(TimestepValues, t);
        if (first < 0) return TimestepValues.Length - 1;
        int second = Array.IndexOf(TimestepValues, t, first + 1);
        return second >= 0 ? second : first;
    }

    /// <summary>x_t = α_t·x₀ + σ_t·ε with each item's noise level (or the begin index's, for img2img).</summary>
    public override Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var levels = StepIndicesForNoising(timesteps).Select(i => SigmaValues[i]).ToArray();
        // In float32 like diffusers: α_t = 1/√(σ²+1), σ_t = σ·α_t.
        var alphas = levels.Select(s => 1f / MathF.Sqrt(s * s + 1f)).ToArray();
        var alpha = PerItem(alphas, originalSamples);
        var sigma = PerItem(levels.Zip(alphas, (s, a) => s * a), originalSamples);
        return (alpha * originalSamples + sigma * noise).MoveToOuterDisposeScope();
    }
}
