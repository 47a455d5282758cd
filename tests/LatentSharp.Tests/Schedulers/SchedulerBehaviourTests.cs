using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Schedulers;

/// <summary>What the fixtures do not show: img2img starts, error handling, thresholding, native memory over a run.</summary>
public class SchedulerBehaviourTests
{
    static SchedulerConfig Sd1Config => SchedulerConfig.Load(Path.Combine(Fixtures.TinySd1, "scheduler", "scheduler_config.json"));

    [Fact]
    public void TooManyStepsIsAOneLineError()
    {
        using var scheduler = SchedulerFactory.Create("euler", Sd1Config);
        var e = Assert.Throws<LatentSharpException>(() => scheduler.SetTimesteps(1001));
        Assert.Contains("between 1 and 1000", e.Message);
        using var lcm = SchedulerFactory.Create("lcm", Sd1Config);
        Assert.Throws<LatentSharpException>(() => lcm.SetTimesteps(51));   // beyond original_inference_steps
    }

    [Fact]
    public void UnsupportedOptionsAreRejectedWhenTheSamplerIsBuilt()
    {
        var e = Assert.Throws<LatentSharpException>(() => SchedulerFactory.FromConfig(Sd1Config with { ClassName = "DPMSolverMultistepScheduler", SolverOrder = 3 }));
        Assert.Contains("solver_order", e.Message);
        e = Assert.Throws<LatentSharpException>(() => SchedulerFactory.FromConfig(Sd1Config with { ClassName = "DPMSolverMultistepScheduler", AlgorithmType = "sde-dpmsolver++" }));
        Assert.Contains("algorithm_type 'sde-dpmsolver++'", e.Message);
        e = Assert.Throws<LatentSharpException>(() => SchedulerFactory.Create("euler", Sd1Config with { InterpolationType = "log_linear" }));
        Assert.Contains("interpolation_type", e.Message);
        e = Assert.Throws<LatentSharpException>(() => SchedulerFactory.Create("pndm", Sd1Config with { PredictionType = "sample" }));
        Assert.Contains("PndmScheduler: prediction_type 'sample' is not supported (epsilon, v_prediction)", e.Message);
    }

    [Fact]
    public void PndmHandlesShortRuns()
    {
        using var plms = SchedulerFactory.Create("pndm", Sd1Config);
        plms.SetTimesteps(1);
        Assert.Equal([1L], plms.Timesteps.data<long>().ToArray());
        plms.SetTimesteps(2);
        Assert.Equal([501L, 1L, 1L], plms.Timesteps.data<long>().ToArray());

        using var prk = SchedulerFactory.Create("pndm", Sd1Config with { SkipPrkSteps = false });
        var e = Assert.Throws<LatentSharpException>(() => prk.SetTimesteps(3));
        Assert.Contains("at least 4 steps", e.Message);
    }

    [Fact]
    public void BeginIndexStartsARunMidScheduleAndSetsTheNoiseLevelOfAddNoise()
    {
        using var lookedUp = SchedulerFactory.Create("euler", Sd1Config);
        using var begun = SchedulerFactory.Create("euler", Sd1Config);
        lookedUp.SetTimesteps(10);
        begun.SetTimesteps(10);
        begun.SetBeginIndex(4);

        using var x0 = ones(1, 4, 8, 8);
        using var eps = full(1, 4, 8, 8, 0.5f);
        float sigma = begun.Sigmas![4].item<float>();
        // With a begin index, AddNoise uses its σ whatever timestep it is given (diffusers' img2img rule).
        using var noisy = begun.AddNoise(x0, eps, begun.Timesteps[0].reshape(1));
        TensorAssert.Close(x0 + eps * sigma, noisy, 1e-6, "noisy");

        // The run from index 4 is the run that finds index 4 from its first timestep.
        var sample = noisy.clone();
        var reference = noisy.clone();
        for (int i = 4; i < 10; i++)
        {
            var t = begun.Timesteps[i];
            sample = begun.Step(begun.ScaleModelInput(sample, t) * 0.1, t, sample).PrevSample;
            reference = lookedUp.Step(lookedUp.ScaleModelInput(reference, t) * 0.1, t, reference).PrevSample;
        }
        TensorAssert.Close(reference, sample, 0, "run from the begin index");
    }

    [Fact]
    public void DynamicThresholdingClipsAtTheQuantileAndRescales()
    {
        // |x| = 0.5, 3, 2, 1: the 0.995 quantile is 2 + 0.985·(3 − 2) = 2.985, clamped to sample_max_value 2.
        using var x0 = tensor(new float[] { 0.5f, -3f, 2f, 1f }, [1, 1, 2, 2]);
        var config = new SchedulerConfig { Thresholding = true, DynamicThresholdingRatio = 0.995, SampleMaxValue = 2.0 };
        using var thresholded = DynamicThresholding.Apply(x0, config);
        Assert.Equal([0.25f, -1f, 1f, 0.5f], thresholded.data<float>().ToArray());
        using var small = tensor(new float[] { 0.1f, -0.2f, 0.3f, 0.4f }, [1, 1, 2, 2]);
        using var unchanged = DynamicThresholding.Apply(small, config with { SampleMaxValue = 5.0 });   // s is at least 1
        Assert.Equal(small.data<float>().ToArray(), unchanged.data<float>().ToArray());
    }

    [Fact]
    public void DdimWithEtaDrawsNoiseEachStepAndDiffersFromTheDeterministicRun()
    {
        var config = Sd1Config with { ClassName = "DDIMScheduler" };
        using var deterministic = new DdimScheduler(config);
        using var stochastic = new DdimScheduler(config) { Eta = 1.0 };
        using var noise = new NoiseSource(7) { Record = true };
        deterministic.SetTimesteps(5);
        stochastic.SetTimesteps(5);
        using var sample = full(1, 4, 4, 4, 0.3f);
        using var modelOutput = full(1, 4, 4, 4, 0.1f);
        var t = stochastic.Timesteps[0];
        using var a = deterministic.Step(modelOutput, t, sample, noise).PrevSample;
        using var b = stochastic.Step(modelOutput, t, sample, noise).PrevSample;
        Assert.Single(noise.Draws);
        Assert.True(TensorAssert.MaxAbsDiff(a, b) > 1e-3);
    }

    /// <summary>
    /// A 4×64×64 run of every sampler: after the history has filled, the number of live native tensors
    /// stays the same from step to step (intermediates freed, history swapped, not accumulated).
    /// </summary>
    [Theory]
    [MemberData(nameof(AllNames))]
    public void ARunDoesNotAccumulateNativeTensors(string name)
    {
        using var scheduler = SchedulerFactory.Create(name, Sd1Config);
        using var noise = new NoiseSource(3);
        scheduler.SetTimesteps(20);
        var sample = randn(1, 4, 64, 64) * scheduler.InitNoiseSigma;
        var liveCounts = new List<long>();
        for (int i = 0; i < scheduler.Timesteps.shape[0]; i++)
        {
            using (var scope = NewDisposeScope())
            {
                var t = scheduler.Timesteps[i];
                var modelOutput = SchedulerCases.SyntheticModelOutput(scheduler.ScaleModelInput(sample, t), t);
                var next = scheduler.Step(modelOutput, t, sample, noise).PrevSample.MoveToOuterDisposeScope();
                sample.Dispose();
                sample = next;
            }
            liveCounts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        Assert.True(sample.isfinite().all().item<bool>());
        sample.Dispose();
        // Heun alternates between holding its first-order state and not, hence a window rather than one count.
        var window = liveCounts.Skip(6).Take(6).ToArray();
        Assert.InRange(liveCounts.Skip(6).Max(), window.Min(), window.Max());
    }

    public static IEnumerable<object[]> AllNames => SchedulerFactory.Names.Select(n => new object[] { n });
}
