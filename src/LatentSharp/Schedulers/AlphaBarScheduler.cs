using System.Diagnostics;
using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// The DDPM family (DDPM, DDIM, PNDM, LCM): samplers that index ᾱ_t by the integer timestep itself and
/// work on the unscaled sample x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε (so the model input needs no scaling and the
/// initial noise has σ = 1).
/// </summary>
public abstract class AlphaBarScheduler : Scheduler
{
    protected AlphaBarScheduler(SchedulerConfig config, bool supportsZeroSnr)
        : base(config, new NoiseSchedule(config, rescaleZeroSnr: supportsZeroSnr && config.RescaleBetasZeroSnr == true)) =>
        RequirePredictionType("epsilon", "sample", "v_prediction");

    /// <summary>ᾱ of a timestep, or <paramref name="final"/> past the start of the chain (t &lt; 0).</summary>
    protected float AlphaBar(double t, float final) => t >= 0 ? Schedule.AlphaCumprod((long)t) : final;

    /// <summary>ᾱ "before" t = 0: 1 with <c>set_alpha_to_one</c>, else ᾱ_0 (the class chooses the default).</summary>
    protected float FinalAlphaCumprod(bool setAlphaToOneByDefault) =>
        Config.SetAlphaToOne ?? setAlphaToOneByDefault ? 1f : Schedule.AlphaCumprod(0);

    /// <summary>x₀ = (x_t − √(1−ᾱ_t)·ε)/√ᾱ_t from the model's ε, x₀ or v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ prediction.</summary>
    protected Tensor PredictOriginalSample(Tensor modelOutput, Tensor sample, float alphaBar)
    {
        float sqrtAlphaBar = MathF.Sqrt(alphaBar), sqrtBeta = MathF.Sqrt(1f - alphaBar);
        return PredictionType switch
        {
            "epsilon" => (sample - modelOutput * sqrtBeta) / sqrtAlphaBar,
            "sample" => modelOutput.alias(),
            "v_prediction" => sample * sqrtAlphaBar - modelOutput * sqrtBeta,
            _ => throw new UnreachableException("prediction_type is checked when the sampler is built"),
        };
    }

    /// <summary>The noise ε implied by the model output (for DDIM's direction term).</summary>
    protected Tensor PredictEpsilon(Tensor modelOutput, Tensor sample, Tensor predictedOriginal, float alphaBar)
    {
        float sqrtAlphaBar = MathF.Sqrt(alphaBar), sqrtBeta = MathF.Sqrt(1f - alphaBar);
        return PredictionType switch
        {
            "epsilon" => modelOutput.alias(),
            "sample" => (sample - predictedOriginal * sqrtAlphaBar) / sqrtBeta,
            "v_prediction" => modelOutput * sqrtAlphaBar + sample * sqrtBeta,
            _ => throw new UnreachableException("prediction_type is checked when the sampler is built"),
        };
    }

    /// <summary>Dynamic thresholding, or clipping to ±clip_sample_range, of a predicted x₀ (as configured).</summary>
    protected Tensor ClipPredictedOriginal(Tensor predictedOriginal, bool clipSampleByDefault)
    {
        if (Config.Thresholding == true) return DynamicThresholding.Apply(predictedOriginal, Config);
        if (Config.ClipSample ?? clipSampleByDefault)
        {
            double range = Config.ClipSampleRange ?? 1.0;
            return predictedOriginal.clamp(-range, range);
        }
        return predictedOriginal;
    }

    /// <summary>x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε with each item's own t.</summary>
    public override Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var alphaBars = ValuesOf(timesteps).Select(t => Schedule.AlphaCumprod((long)t)).ToArray();
        var sqrtAlphaBar = PerItem(alphaBars.Select(MathF.Sqrt), originalSamples);
        var sqrtBeta = PerItem(alphaBars.Select(a => MathF.Sqrt(1f - a)), originalSamples);
        return (sqrtAlphaBar * originalSamples + sqrtBeta * noise).MoveToOuterDisposeScope();
    }

    /// <summary>The v-prediction target v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ (Salimans &amp; Ho 2022), for training.</summary>
    public Tensor GetVelocity(Tensor sample, Tensor noise, Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var alphaBars = ValuesOf(timesteps).Select(t => Schedule.AlphaCumprod((long)t)).ToArray();
        var sqrtAlphaBar = PerItem(alphaBars.Select(MathF.Sqrt), sample);
        var sqrtBeta = PerItem(alphaBars.Select(a => MathF.Sqrt(1f - a)), sample);
        return (sqrtAlphaBar * noise - sqrtBeta * sample).MoveToOuterDisposeScope();
    }
}
