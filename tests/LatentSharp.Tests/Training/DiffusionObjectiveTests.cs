using LatentSharp.Schedulers;
using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

/// <summary>
/// The loss weights, checked against the closed form: an example whose prediction is off by Δ in the implied clean
/// latent costs SNR·|Δ|² as ε and (SNR + 1)·|Δ|² as v; the weighting makes that cost clamp(SNR, floor, γ)·|Δ|².
/// </summary>
public class DiffusionObjectiveTests
{
    static readonly SchedulerConfig Schedule = ShapesPresets.Scheduler(DiffusionObjective.Epsilon);

    static double Snr(long t)
    {
        using var schedule = new NoiseSchedule(Schedule);
        double a = schedule.AlphaCumprod(t);
        return a / (1 - a);
    }

    /// <summary>The weighted loss of one example whose implied clean latent is off by <paramref name="cleanError"/> everywhere.</summary>
    static double LossOfCleanError(string prediction, long t, double cleanError, double? gamma, double? floor)
    {
        using var objective = new DiffusionObjective(Schedule, prediction);
        using var clean = zeros(1, 4, 2, 2);
        using var noise = randn(1, 4, 2, 2, generator: new Generator(1));
        using var timesteps = tensor(new[] { t });
        var (noisy, target) = objective.Corrupt(clean, noise, timesteps);
        using var _n = noisy;
        using var _t = target;
        // The prediction a model makes when it believes the clean latent is `cleanError` instead of 0 (z_t fixed).
        using var wrongClean = full(1, 4, 2, 2, cleanError);
        var (_, wrongTarget) = objective.Corrupt(wrongClean, (noisy - wrongClean * Math.Sqrt(Snr(t) / (1 + Snr(t)))) * Math.Sqrt(1 + Snr(t)), timesteps);
        using var _w = wrongTarget;
        using var loss = objective.Loss(wrongTarget, target, timesteps, gamma, floor);
        return loss.item<float>();
    }

    [Theory]
    [InlineData(DiffusionObjective.Epsilon, 999)]
    [InlineData(DiffusionObjective.Epsilon, 500)]
    [InlineData(DiffusionObjective.Velocity, 999)]
    [InlineData(DiffusionObjective.Velocity, 20)]
    public void TheCleanLatentErrorCountsClampedSnrTimes(string prediction, long t)
    {
        double snr = Snr(t), error = 0.3;
        Assert.Equal(prediction == DiffusionObjective.Epsilon ? snr : snr + 1, LossOfCleanError(prediction, t, error, null, null) / (error * error), 2e-3 * (snr + 1));
        Assert.Equal(Math.Min(snr, 5), LossOfCleanError(prediction, t, error, 5, null) / (error * error), 2e-3 * (snr + 1));
        Assert.Equal(Math.Clamp(snr, 1, 5), LossOfCleanError(prediction, t, error, 5, 1) / (error * error), 2e-3 * (snr + 1));
        Assert.Equal(Math.Max(snr, 0.1), LossOfCleanError(prediction, t, error, null, 0.1) / (error * error), 2e-3 * (snr + 1));
    }

    [Fact]
    public void TheFloorRaisesOnlyTheNoisiestTimesteps()
    {
        Assert.True(Snr(999) < 0.01, "SD's schedule keeps little signal at the last timestep");
        Assert.True(LossOfCleanError(DiffusionObjective.Epsilon, 999, 0.3, 5, 1) > 100 * LossOfCleanError(DiffusionObjective.Epsilon, 999, 0.3, 5, null));
        Assert.Equal(LossOfCleanError(DiffusionObjective.Epsilon, 100, 0.3, 5, null), LossOfCleanError(DiffusionObjective.Epsilon, 100, 0.3, 5, 1), 1e-6);
    }

    [Fact]
    public void AFloorAboveGammaIsRefused()
    {
        var options = new DiffusionTrainingOptions { DataFolder = "data", Vae = "vae", SnrGamma = 5, SnrFloor = 6 };
        Assert.Contains("floor", Assert.Throws<LatentSharpException>(() => options.Validate()).Message);
        Assert.Contains("positive", Assert.Throws<LatentSharpException>(() => (options with { SnrFloor = 0 }).Validate()).Message);
    }

    [Theory]
    [InlineData(DiffusionObjective.Epsilon, 999)]
    [InlineData(DiffusionObjective.Epsilon, 300)]
    [InlineData(DiffusionObjective.Velocity, 999)]
    [InlineData(DiffusionObjective.Velocity, 10)]
    public void TheCleanEstimateOfTheExactTargetIsTheCleanLatent(string prediction, long t)
    {
        using var objective = new DiffusionObjective(Schedule, prediction);
        using var clean = randn(2, 4, 3, 3, generator: new Generator(2));
        using var noise = randn(2, 4, 3, 3, generator: new Generator(3));
        using var timesteps = tensor(new[] { t, t / 2 });
        var (noisy, target) = objective.Corrupt(clean, noise, timesteps);
        using var _n = noisy;
        using var _t = target;
        using var estimate = objective.CleanEstimate(noisy, target, timesteps);
        Assert.True(estimate.allclose(clean, rtol: 1e-3, atol: 1e-3), $"max error {(estimate - clean).abs().max().item<float>()}");
        // A prediction off by δ moves the estimate by δ·√(1−ᾱ)/√ᾱ (ε) or δ·√(1−ᾱ) (v): the noisiest step amplifies ε's errors.
        using var off = objective.CleanEstimate(noisy, target + 0.01, timesteps);
        double expected = 0.01 * (prediction == DiffusionObjective.Epsilon ? 1 / Math.Sqrt(Snr(t)) : Math.Sqrt(1 / (1 + Snr(t))));
        Assert.Equal(expected, (clean - off).narrow(0, 0, 1).mean().item<float>(), expected * 1e-2 + 1e-4);
    }

    [Theory]
    [InlineData(DiffusionObjective.Epsilon, 999)]
    [InlineData(DiffusionObjective.Epsilon, 300)]
    [InlineData(DiffusionObjective.Velocity, 999)]
    [InlineData(DiffusionObjective.Velocity, 10)]
    public void WithAnotherLatentNoisedTheTargetStillLeadsBackToTheCleanOne(string prediction, long t)
    {
        using var objective = new DiffusionObjective(Schedule, prediction);
        using var clean = randn(2, 4, 3, 3, generator: new Generator(2));
        using var noised = clean.roll([1, 2], [2, 3]);
        using var noise = randn(2, 4, 3, 3, generator: new Generator(3));
        using var timesteps = tensor(new[] { t, t / 2 });
        var (noisy, target) = objective.Corrupt(clean, noise, timesteps, noised);
        using var _n = noisy;
        using var _t = target;
        var (plain, _) = objective.Corrupt(noised, noise, timesteps);
        using var _p = plain;
        Assert.True(noisy.allclose(plain), "the input is the noised latent's");
        using var estimate = objective.CleanEstimate(noisy, target, timesteps);
        Assert.True(estimate.allclose(clean, rtol: 1e-3, atol: 1e-3), $"max error {(estimate - clean).abs().max().item<float>()}");
    }
}
