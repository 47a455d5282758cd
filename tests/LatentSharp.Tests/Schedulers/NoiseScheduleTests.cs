using LatentSharp.Schedulers;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Schedulers;

/// <summary>The shared schedule maths against values computed here from their definitions.</summary>
public class NoiseScheduleTests
{
    static float[] Betas(SchedulerConfig config)
    {
        using var betas = NoiseSchedule.Betas(config);
        return betas.data<float>().ToArray();
    }

    [Fact]
    public void LinearBetasRunFromBetaStartToBetaEnd()
    {
        var betas = Betas(new SchedulerConfig { BetaSchedule = "linear", BetaStart = 0.0001, BetaEnd = 0.02, NumTrainTimesteps = 1000 });
        Assert.Equal(1000, betas.Length);
        Assert.Equal(0.0001f, betas[0]);
        Assert.Equal(0.02f, betas[^1]);
        Assert.Equal(0.0001 + 500 * (0.02 - 0.0001) / 999, betas[500], 1e-8);
    }

    [Fact]
    public void ScaledLinearBetasAreLinearInTheSquareRoot()
    {
        var betas = Betas(new SchedulerConfig { BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012 });
        double start = Math.Sqrt(0.00085), end = Math.Sqrt(0.012);
        foreach (int i in new[] { 0, 1, 421, 999 })
            Assert.Equal(Math.Pow(start + i * (end - start) / 999, 2), betas[i], 1e-9);
    }

    [Fact]
    public void CosineBetasFollowTheAlphaBarFormulaAndAreCapped()
    {
        var betas = Betas(new SchedulerConfig { BetaSchedule = "squaredcos_cap_v2", NumTrainTimesteps = 1000 });
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        Assert.Equal((float)(1 - AlphaBar(0.001) / AlphaBar(0)), betas[0]);
        Assert.Equal((float)(1 - AlphaBar(0.5) / AlphaBar(0.499)), betas[499]);
        Assert.Equal(0.999f, betas[^1]);   // ᾱ(1) = 0 would make β = 1
    }

    [Fact]
    public void TrainedBetasAreTakenAsGiven()
    {
        Assert.Equal([0.1f, 0.2f, 0.3f], Betas(new SchedulerConfig { TrainedBetas = [0.1, 0.2, 0.3], BetaSchedule = "linear" }));
    }

    [Fact]
    public void UnknownBetaScheduleIsAOneLineError()
    {
        var e = Assert.Throws<LatentSharpException>(() => Betas(new SchedulerConfig { BetaSchedule = "quadratic" }));
        Assert.Contains("beta_schedule 'quadratic'", e.Message);
    }

    [Fact]
    public void ZeroSnrRescaleEndsWithPureNoiseAndKeepsTheFirstStep()
    {
        var config = new SchedulerConfig { BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012 };
        using var plain = new NoiseSchedule(config);
        using var rescaled = new NoiseSchedule(config, rescaleZeroSnr: true);
        using var sigmaSafe = new NoiseSchedule(config, rescaleZeroSnr: true, finiteTerminalSigma: true);
        Assert.Equal(plain.AlphaCumprod(0), rescaled.AlphaCumprod(0), 1e-6f);
        Assert.Equal(0f, rescaled.AlphaCumprod(999));
        Assert.Equal(MathF.Pow(2, -24), sigmaSafe.AlphaCumprod(999));
        Assert.True(rescaled.AlphaCumprod(500) < plain.AlphaCumprod(500));
    }

    [Fact]
    public void AlphasCumprodIsTheRunningProductOfOneMinusBeta()
    {
        var config = new SchedulerConfig { BetaSchedule = "linear" };
        using var schedule = new NoiseSchedule(config);
        var betas = Betas(config);
        double product = 1;
        for (int t = 0; t < 1000; t++)
        {
            product *= 1f - betas[t];
            Assert.Equal((float)product, schedule.AlphaCumprod(t));
        }
        Assert.Equal(MathF.Sqrt((1f - schedule.AlphaCumprod(10)) / schedule.AlphaCumprod(10)), schedule.TrainSigmas()[10]);
    }

    [Theory]
    [InlineData("leading", 10, 1, true, new double[] { 901, 801, 701, 601, 501, 401, 301, 201, 101, 1 })]
    [InlineData("trailing", 10, 1, true, new double[] { 999, 899, 799, 699, 599, 499, 399, 299, 199, 99 })]
    [InlineData("linspace", 10, 1, true, new double[] { 999, 888, 777, 666, 555, 444, 333, 222, 111, 0 })]
    [InlineData("leading", 4, 1, false, new double[] { 751, 501, 251, 1 })]
    [InlineData("linspace", 7, 0, true, new double[] { 999, 832, 666, 500, 333, 166, 0 })]      // 832.5 and 166.5 round to even
    [InlineData("linspace", 7, 0, false, new double[] { 999, 832.5, 666, 499.5, 333, 166.5, 0 })]
    [InlineData("trailing", 3, 0, false, new double[] { 999, 666, 332 })]
    public void TimestepSpacingVariants(string spacing, int steps, int offset, bool round, double[] expected)
    {
        Assert.Equal(expected, NoiseSchedule.SpacedTimesteps(spacing, steps, 1000, offset, round));
    }

    [Fact]
    public void UnknownSpacingIsAOneLineError()
    {
        var e = Assert.Throws<LatentSharpException>(() => NoiseSchedule.SpacedTimesteps("uniform", 10, 1000, 0, true));
        Assert.Contains("leading, trailing, linspace", e.Message);
    }

    [Fact]
    public void LinspaceFollowsNumpyIncludingItsRoundingTie()
    {
        // numpy: 5·(999/10) is exactly 499.5, which np.round takes to the even 500 (DPM-Solver's 10-step schedule).
        var points = NoiseSchedule.Linspace(0, 999, 11);
        Assert.Equal(499.5, points[5]);
        Assert.Equal(500, Math.Round(points[5]));
        Assert.Equal(999, points[^1]);
        Assert.Equal([0, 5, 10, 15], NoiseSchedule.Linspace(0, 20, 4, endpoint: false));
    }

    [Fact]
    public void InterpIsPiecewiseLinearAndClamped()
    {
        float[] table = [1, 3, 4];
        Assert.Equal(1, NoiseSchedule.Interp(-2, table));
        Assert.Equal(2, NoiseSchedule.Interp(0.5, table));
        Assert.Equal(3.25, NoiseSchedule.Interp(1.25, table));
        Assert.Equal(4, NoiseSchedule.Interp(7, table));
    }

    [Fact]
    public void KarrasSigmasAreEvenlySpacedInSigmaToTheOneOverRho()
    {
        var sigmas = NoiseSchedule.KarrasSigmas(0.03, 14.6, 5);
        Assert.Equal(14.6, sigmas[0], 1e-12);
        Assert.Equal(0.03, sigmas[^1], 1e-14);
        var roots = sigmas.Select(s => Math.Pow(s, 1 / 7.0)).ToArray();
        for (int i = 1; i < 4; i++) Assert.Equal(roots[i] - roots[i - 1], roots[i + 1] - roots[i], 1e-12);
    }

    [Fact]
    public void SigmaToTimestepInvertsTheTrainingSigmasAndInterpolatesInLogSigma()
    {
        using var schedule = new NoiseSchedule(new SchedulerConfig { BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012 });
        var sigmas = schedule.TrainSigmas();
        var logSigmas = NoiseSchedule.LogSigmas(sigmas);
        // log σ_t is held in float32 (as in diffusers), so a training σ maps back to within ~1e-5 of its t.
        foreach (int t in new[] { 0, 1, 500, 998, 999 })
            Assert.Equal(t, NoiseSchedule.SigmaToTimestep(sigmas[t], logSigmas), 1e-4);
        double between = Math.Exp(0.25 * logSigmas[100] + 0.75 * logSigmas[101]);
        Assert.Equal(100.75, NoiseSchedule.SigmaToTimestep(between, logSigmas), 1e-6);
        Assert.Equal(0, NoiseSchedule.SigmaToTimestep(1e-6, logSigmas));     // below the range: clamped
    }
}
