using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Schedulers;

/// <summary>How the scheduler fixtures were made, in C#: the config of a case and its synthetic model.</summary>
static class SchedulerCases
{
    public static IEnumerable<object[]> Named(string kind) => Fixtures.CasesOfKind(kind).Select(n => new object[] { n });

    /// <summary>
    /// The sampler of a case. Scheduler cases store the config diffusers ended up with; add_noise cases only
    /// the class and its extra settings on top of the SD 1.5 config without timestep_spacing.
    /// </summary>
    public static IScheduler Create(string caseName)
    {
        var record = Fixtures.Case(caseName);
        string className = record.GetProperty("scheduler").GetString()!;
        var config = record.TryGetProperty("scheduler_config", out var stored)
            ? SchedulerConfig.FromJson(stored.GetRawText())
            : Sd15WithoutSpacing(record.GetProperty("extra_config"));
        return SchedulerFactory.FromConfig(config with { ClassName = className });
    }

    static SchedulerConfig Sd15WithoutSpacing(JsonElement extra)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.TinySd1, "scheduler", "scheduler_config.json")))!.AsObject();
        node.Remove("timestep_spacing");
        foreach (var field in extra.EnumerateObject()) node[field.Name] = JsonNode.Parse(field.Value.GetRawText());
        return SchedulerConfig.FromJson(node.ToJsonString());
    }

    /// <summary>
    /// Integer timesteps must match exactly; fractional ones (Karras σ → t) to about two float32 ulps at
    /// t ≈ 1000, since ᾱ_T may differ by one ulp between torch 1.13 and LibTorch 2.10 (see NoiseSchedule tests).
    /// </summary>
    public static double TimestepTolerance(Tensor timesteps) => timesteps.dtype == ScalarType.Int64 ? 0 : 1e-4;

    public static int Steps(string caseName) => Fixtures.Case(caseName).GetProperty("num_inference_steps").GetInt32();

    /// <summary>The fixtures' stand-in model: x·0.1 + 0.05·cos(t/100), the scalar in float64 then added to the float32 tensor.</summary>
    public static Tensor SyntheticModelOutput(Tensor scaledInput, Tensor timestep)
    {
        double t = timestep.to_type(ScalarType.Float64).item<double>();
        return scaledInput * 0.1 + 0.05 * Math.Cos(t / 100);
    }
}

/// <summary>Hands out the noise a reference step drew, and checks the sampler drew exactly that.</summary>
sealed class RecordedNoise : NoiseSource
{
    Tensor? pending;

    /// <summary>The draw the next step must make (null: the step must not draw).</summary>
    public void Expect(Tensor? draw) => pending = draw;

    public bool Consumed => pending is null;

    protected override Tensor Draw(long[] shape, ScalarType dtype)
    {
        var draw = pending ?? throw new Xunit.Sdk.XunitException("the sampler drew noise where the reference did not");
        Assert.Equal(draw.shape, shape);
        pending = null;
        return draw.to_type(dtype).clone();
    }
}
