using LatentSharp.Schedulers;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// The training target of a denoiser: forward diffusion in closed form, z_t = √ᾱ_t·z₀ + √(1−ᾱ_t)·ε
/// (DDPM eq. 4), and what the network must predict from z_t — the noise ε, or the velocity
/// v = √ᾱ_t·ε − √(1−ᾱ_t)·z₀ (Salimans &amp; Ho 2022). ᾱ comes from the model's own noise schedule,
/// so training and sampling agree on it.
/// </summary>
public sealed class DiffusionObjective : IDisposable
{
    public const string Epsilon = "epsilon", Velocity = "v_prediction";

    readonly Tensor signalScale;
    readonly Tensor noiseScale;
    readonly Tensor signalToNoise;

    public DiffusionObjective(SchedulerConfig schedule, string predictionType)
    {
        if (predictionType is not (Epsilon or Velocity))
            throw new LatentSharpException($"prediction type '{predictionType}' is not supported for training ({Epsilon}, {Velocity})");
        PredictionType = predictionType;
        using var noiseSchedule = new NoiseSchedule(schedule, rescaleZeroSnr: schedule.RescaleBetasZeroSnr == true);
        NumTrainTimesteps = noiseSchedule.NumTrainTimesteps;
        signalScale = noiseSchedule.AlphasCumprod.sqrt();
        noiseScale = (1 - noiseSchedule.AlphasCumprod).sqrt();
        signalToNoise = noiseSchedule.AlphasCumprod / (1 - noiseSchedule.AlphasCumprod);
    }

    public string PredictionType { get; }
    public int NumTrainTimesteps { get; }

    /// <param name="cleanLatents">z₀ [B, C, h, w], already multiplied by the scaling factor.</param>
    /// <param name="noise">ε, same shape.</param>
    /// <param name="timesteps">int64 [B].</param>
    /// <param name="noisedLatents">What to noise instead of z₀ (a <see cref="LayoutShift"/>'s rolled copy), same shape; the
    /// target still leads back to <paramref name="cleanLatents"/>: the noise it implies is ε* = (z_t − √ᾱ_t·z₀) / √(1−ᾱ_t),
    /// so <see cref="CleanEstimate"/> of the exact target is z₀ either way.</param>
    /// <returns>The noisy latents z_t and the target the network should output.</returns>
    public (Tensor Noisy, Tensor Target) Corrupt(Tensor cleanLatents, Tensor noise, Tensor timesteps, Tensor? noisedLatents = null)
    {
        using var scope = NewDisposeScope();
        var signal = signalScale.index_select(0, timesteps).view(-1, 1, 1, 1);
        var noiseLevel = noiseScale.index_select(0, timesteps).view(-1, 1, 1, 1);
        var noisy = signal * (noisedLatents ?? cleanLatents) + noiseLevel * noise;
        var impliedNoise = noisedLatents is null ? noise.alias() : noise + signal / noiseLevel * (noisedLatents - cleanLatents);
        var target = PredictionType == Epsilon ? impliedNoise : signal * impliedNoise - noiseLevel * cleanLatents;
        return (noisy.MoveToOuterDisposeScope(), target.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The clean latent ẑ₀ a prediction implies at z_t (DDPM eq. 15 for ε, its v counterpart): (z_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t,
    /// or √ᾱ_t·z_t − √(1−ᾱ_t)·v̂. What a sampler steers by; comparing two predictions here weighs their difference by how
    /// far it moves the image, which for ε at the noisiest steps is ~15× the difference of the outputs.
    /// </summary>
    public Tensor CleanEstimate(Tensor noisy, Tensor prediction, Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var signal = signalScale.index_select(0, timesteps).view(-1, 1, 1, 1);
        var noiseLevel = noiseScale.index_select(0, timesteps).view(-1, 1, 1, 1);
        var clean = PredictionType == Epsilon ? (noisy - noiseLevel * prediction) / signal : signal * noisy - noiseLevel * prediction;
        return clean.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mean squared error of the prediction, each example weighted by how much its error in the implied clean
    /// latent counts: an unweighted ε loss counts it SNR_t times, an unweighted v loss SNR_t + 1 times. Min-SNR-γ
    /// (Hang et al. 2023, <paramref name="snrGamma"/>) caps that at γ, which stops the nearly clean, easy timesteps
    /// from dominating the gradient. <paramref name="snrFloor"/> raises it to at least the floor ("truncated SNR",
    /// Salimans &amp; Ho 2022): without it the noisiest timesteps, where the layout of the image is decided, count
    /// SNR_t ≈ 0.005 and the model learns to take the layout from the noise instead of the prompt.
    /// </summary>
    public Tensor Loss(Tensor prediction, Tensor target, Tensor timesteps, double? snrGamma, double? snrFloor = null)
    {
        if (snrGamma is null && snrFloor is null) return nn.functional.mse_loss(prediction, target);
        using var scope = NewDisposeScope();
        var snr = signalToNoise.index_select(0, timesteps);
        var cleanWeight = snr.clamp(min: snrFloor, max: snrGamma);
        var weight = cleanWeight / (PredictionType == Epsilon ? snr : snr + 1);
        var perExample = (prediction - target).square().mean([1, 2, 3]);
        return (weight * perExample).mean().MoveToOuterDisposeScope();
    }

    /// <summary>Checks the <see cref="Loss"/> weighting a run asks for: positive, and a floor no higher than the cap.</summary>
    public static void ValidateWeighting(double? snrGamma, double? snrFloor)
    {
        if (snrGamma is <= 0) throw new LatentSharpException($"the Min-SNR gamma must be positive (got {snrGamma})");
        if (snrFloor is <= 0) throw new LatentSharpException($"the SNR floor must be positive (got {snrFloor})");
        if (snrFloor > snrGamma) throw new LatentSharpException($"the SNR floor ({snrFloor}) must not exceed the Min-SNR gamma ({snrGamma})");
    }

    public void Dispose()
    {
        signalScale.Dispose();
        noiseScale.Dispose();
        signalToNoise.Dispose();
    }
}
