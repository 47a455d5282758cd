using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Schedulers;

public class SchedulerFactoryTests
{
    static SchedulerConfig Sd1Config => SchedulerConfig.Load(Path.Combine(Fixtures.TinySd1, "scheduler", "scheduler_config.json"));

    [Fact]
    public void NamesAreTheCliSamplers()
    {
        Assert.Equal(["ddpm", "ddim", "pndm", "lms", "euler", "euler_a", "heun", "dpmpp_2m", "dpmpp_2m_karras", "unipc", "lcm"], SchedulerFactory.Names);
    }

    [Fact]
    public void AnUnknownNameListsTheValidOnesOnOneLine()
    {
        var e = Assert.Throws<LatentSharpException>(() => SchedulerFactory.Create("dpm++", Sd1Config));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("'dpm++'", e.Message);
        foreach (var name in SchedulerFactory.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void FromConfigNeedsAKnownClass()
    {
        var e = Assert.Throws<LatentSharpException>(() => SchedulerFactory.FromConfig(Sd1Config with { ClassName = "KDPM2DiscreteScheduler" }));
        Assert.Contains("'KDPM2DiscreteScheduler' is not supported", e.Message);
        e = Assert.Throws<LatentSharpException>(() => SchedulerFactory.FromConfig(Sd1Config with { ClassName = null }));
        Assert.Contains("_class_name", e.Message);
    }

    [Theory]
    [InlineData("ddpm", typeof(DdpmScheduler), 1)]
    [InlineData("ddim", typeof(DdimScheduler), 1)]
    [InlineData("pndm", typeof(PndmScheduler), 1)]
    [InlineData("lms", typeof(LmsDiscreteScheduler), 1)]
    [InlineData("euler", typeof(EulerDiscreteScheduler), 1)]
    [InlineData("euler_a", typeof(EulerAncestralDiscreteScheduler), 1)]
    [InlineData("heun", typeof(HeunDiscreteScheduler), 2)]
    [InlineData("dpmpp_2m", typeof(DpmSolverMultistepScheduler), 1)]
    [InlineData("dpmpp_2m_karras", typeof(DpmSolverMultistepScheduler), 1)]
    [InlineData("unipc", typeof(UniPcMultistepScheduler), 1)]
    [InlineData("lcm", typeof(LcmScheduler), 1)]
    public void EveryNameBuildsItsSamplerOnTheModelsSchedule(string name, Type type, int order)
    {
        using var scheduler = SchedulerFactory.Create(name, Sd1Config);
        Assert.IsType(type, scheduler);
        Assert.Equal(order, scheduler.Order);
        Assert.Equal("scaled_linear", scheduler.Config.BetaSchedule);
        Assert.Equal("leading", scheduler.Config.TimestepSpacing);
        Assert.Equal(name == "dpmpp_2m_karras", scheduler.Config.UseKarrasSigmas == true);
    }

    [Fact]
    public void FieldsThatWereOnlyDefaultsGiveWayToTheNewClassDefaults()
    {
        var config = Sd1Config with { UseDefaultValues = ["timestep_spacing"] };
        using var euler = SchedulerFactory.Create("euler", config);
        euler.SetTimesteps(4);
        Assert.Equal([999f, 666f, 333f, 0f], euler.Timesteps.data<float>().ToArray());   // Euler's own "linspace"
    }

    /// <summary>
    /// The pipeline fixtures swapped samplers with <c>Cls.from_config(pipe.scheduler.config)</c>; their 4-step
    /// timesteps (e.g. Euler 751, 501, 251, 1 with the folders' "leading" spacing) must come out of Create.
    /// </summary>
    [Theory]
    [InlineData("pipe_sd1_pndm_cfg7.5", "pndm", "tiny-sd1")]
    [InlineData("pipe_sd1_ddim_cfg7.5", "ddim", "tiny-sd1")]
    [InlineData("pipe_sd1_euler_cfg7.5", "euler", "tiny-sd1")]
    [InlineData("pipe_sd1_euler_ancestral_cfg7.5", "euler_a", "tiny-sd1")]
    [InlineData("pipe_sd1_dpmpp2m_karras_cfg7.5", "dpmpp_2m_karras", "tiny-sd1")]
    [InlineData("pipe_sd2_ddim_cfg7.5", "ddim", "tiny-sd2")]
    [InlineData("pipe_sd2_euler_cfg7.5", "euler", "tiny-sd2")]
    public void CreateReproducesThePipelineSchedulerSwaps(string caseName, string name, string model)
    {
        var reference = Fixtures.Load(caseName);
        var baseConfig = SchedulerConfig.Load(Path.Combine(Fixtures.Root, model, "scheduler", "scheduler_config.json"));
        using var scheduler = SchedulerFactory.Create(name, baseConfig);
        Assert.Equal(Fixtures.Case(caseName).GetProperty("scheduler").GetString(), scheduler.Config.ClassName);
        scheduler.SetTimesteps(4);

        var steps = reference.Keys.Where(k => k.StartsWith("dbg.step.") && k.EndsWith(".t")).Count();
        Assert.Equal(steps, scheduler.Timesteps.shape[0]);
        for (int i = 0; i < steps; i++)
        {
            var expected = reference[$"dbg.step.{i}.t"];
            Assert.Equal(expected.dtype, scheduler.Timesteps.dtype);
            TensorAssert.Close(expected, scheduler.Timesteps[i].reshape(1), SchedulerCases.TimestepTolerance(expected), $"step {i} t");
        }
    }
}
