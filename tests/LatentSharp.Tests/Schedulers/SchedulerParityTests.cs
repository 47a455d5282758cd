using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Schedulers;

/// <summary>
/// Every sched_* fixture (diffusers 0.27.2): the schedule, each step fed the reference inputs, and the whole
/// sampling loop with the synthetic model and a real generator seeded 1235.
/// </summary>
public class SchedulerParityTests
{
    public static IEnumerable<object[]> Cases => SchedulerCases.Named("scheduler");

    [Fact]
    public void EverySamplerIsCovered()
    {
        var classes = Fixtures.CasesOfKind("scheduler").Select(n => Fixtures.Case(n).GetProperty("scheduler").GetString()).Distinct();
        Assert.Equal(10, classes.Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScheduleMatches(string caseName)
    {
        var reference = Fixtures.Load(caseName);
        double atol = Fixtures.Atol(caseName);
        using var scheduler = SchedulerCases.Create(caseName);
        scheduler.SetTimesteps(SchedulerCases.Steps(caseName));

        var expectedTimesteps = reference["out.timesteps"];
        Assert.Equal(expectedTimesteps.dtype, scheduler.Timesteps.dtype);
        TensorAssert.Close(expectedTimesteps, scheduler.Timesteps, SchedulerCases.TimestepTolerance(expectedTimesteps), "timesteps");

        Assert.Equal(reference.ContainsKey("out.sigmas"), scheduler.Sigmas is not null);
        if (scheduler.Sigmas is { } sigmas) TensorAssert.Close(reference["out.sigmas"], sigmas, atol, "sigmas");

        Assert.Equal(reference["out.init_noise_sigma"].item<float>(), scheduler.InitNoiseSigma, atol);
        // One float32 ulp: torch 1.13's vectorised linspace rounds a few betas differently from LibTorch 2.10's.
        var schedule = ((Scheduler)scheduler).Schedule;
        TensorAssert.Close(reference["out.alphas_cumprod"], schedule.AlphasCumprod, 6e-8, "alphas_cumprod");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachStepMatchesGivenTheReferenceInputs(string caseName)
    {
        var reference = Fixtures.Load(caseName);
        double atol = Fixtures.Atol(caseName);
        using var scheduler = SchedulerCases.Create(caseName);
        using var noise = new RecordedNoise();
        scheduler.SetTimesteps(SchedulerCases.Steps(caseName));

        for (int i = 0; i < scheduler.Timesteps.shape[0]; i++)
        {
            using var scope = NewDisposeScope();
            string step = $"out.step.{i}.";
            var t = scheduler.Timesteps[i];
            TensorAssert.Close(reference[step + "t"], t.reshape(1), SchedulerCases.TimestepTolerance(t), $"step {i} t");

            var sampleIn = reference[step + "sample_in"];
            TensorAssert.Close(reference[step + "scaled_model_input"], scheduler.ScaleModelInput(sampleIn, t), atol, $"step {i} scaled_model_input");

            noise.Expect(reference.GetValueOrDefault(step + "noise"));
            var output = scheduler.Step(reference[step + "model_output"], t, sampleIn, noise);
            Assert.True(noise.Consumed, $"step {i}: the reference drew noise, the sampler did not");

            TensorAssert.Close(reference[step + "prev_sample"], output.PrevSample, atol, $"step {i} prev_sample");
            AssertOptional(reference, step + "pred_original_sample", output.PredOriginalSample, atol, i);
            AssertOptional(reference, step + "denoised", output.Denoised, atol, i);
        }
    }

    static void AssertOptional(Dictionary<string, Tensor> reference, string name, Tensor? actual, double atol, int step)
    {
        Assert.True(reference.ContainsKey(name) == actual is not null, $"step {step}: {name} returned by only one side");
        if (actual is not null) TensorAssert.Close(reference[name], actual, atol, $"step {step} {name}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SamplingLoopWithTheSeededGeneratorReproducesTheFinalSample(string caseName)
    {
        var reference = Fixtures.Load(caseName);
        double atol = Fixtures.Atol(caseName);
        using var scheduler = SchedulerCases.Create(caseName);
        using var noise = new NoiseSource(1235);
        scheduler.SetTimesteps(SchedulerCases.Steps(caseName));

        var sample = reference["in.initial_noise"] * scheduler.InitNoiseSigma;
        TensorAssert.Close(reference["out.initial_sample"], sample, atol, "initial_sample");
        for (int i = 0; i < scheduler.Timesteps.shape[0]; i++)
        {
            using var scope = NewDisposeScope();
            var t = scheduler.Timesteps[i];
            var modelOutput = SchedulerCases.SyntheticModelOutput(scheduler.ScaleModelInput(sample, t), t);
            sample = scheduler.Step(modelOutput, t, sample, noise).PrevSample.MoveToOuterDisposeScope();
        }
        TensorAssert.Close(reference["out.final_sample"], sample, atol, "final_sample");
    }
}
