using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Schedulers;

public class SchedulerConfigTests
{
    [Fact]
    public void ReadsADiffusersSchedulerConfig()
    {
        var config = SchedulerConfig.Load(Path.Combine(Fixtures.TinySd1, "scheduler", "scheduler_config.json"));
        Assert.Equal("PNDMScheduler", config.ClassName);
        Assert.Equal("0.27.2", config.DiffusersVersion);
        Assert.Equal(1000, config.NumTrainTimesteps);
        Assert.Equal(0.00085, config.BetaStart);
        Assert.Equal("scaled_linear", config.BetaSchedule);
        Assert.Null(config.TrainedBetas);
        Assert.True(config.SkipPrkSteps);
        Assert.False(config.SetAlphaToOne);
        Assert.Equal(1, config.StepsOffset);
        Assert.Equal("leading", config.TimestepSpacing);
        Assert.Null(config.UseKarrasSigmas);   // absent: the class default applies
    }

    [Fact]
    public void PythonNonFiniteLiteralsAndUnknownFieldsRoundTrip()
    {
        const string json = """
            {"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity,
             "note": "NaN and -Infinity inside a string stay text", "future_field": [1, {"a": null}]}
            """;
        var config = SchedulerConfig.FromJson(json);
        Assert.Equal(double.NegativeInfinity, config.LambdaMinClipped);
        Assert.Equal("NaN and -Infinity inside a string stay text", config.Extra!["note"].GetString());

        string written = config.ToJson();
        Assert.Contains("\"lambda_min_clipped\": -Infinity", written);
        Assert.Contains("\"future_field\"", written);
        var again = SchedulerConfig.FromJson(written);
        Assert.Equal(written, again.ToJson());
        Assert.Equal("NaN and -Infinity inside a string stay text", again.Extra!["note"].GetString());
    }

    [Fact]
    public void SaveWritesAFileLoadReadsBack()
    {
        string dir = Directory.CreateTempSubdirectory("latentsharp-config").FullName;
        try
        {
            var config = new SchedulerConfig { ClassName = "EulerDiscreteScheduler", UseKarrasSigmas = true, TrainedBetas = [0.1, 0.2] };
            string path = Path.Combine(dir, "scheduler_config.json");
            config.Save(path);
            var loaded = SchedulerConfig.Load(path);
            Assert.Equal(config.ToJson(), loaded.ToJson());
            Assert.Equal([0.1, 0.2], loaded.TrainedBetas!);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void WithoutDefaultValuesDropsTheFieldsDiffusersFilledIn()
    {
        var config = SchedulerConfig.FromJson("""
            {"timestep_spacing": "leading", "steps_offset": 1, "clip_sample": true,
             "_use_default_values": ["timestep_spacing", "clip_sample"]}
            """).WithoutDefaultValues();
        Assert.Null(config.TimestepSpacing);
        Assert.Null(config.ClipSample);
        Assert.Null(config.UseDefaultValues);
        Assert.Equal(1, config.StepsOffset);
    }

    [Fact]
    public void BadFilesGiveOneLineNamingTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("latentsharp-config").FullName;
        try
        {
            string missing = Path.Combine(dir, "missing.json");
            var e = Assert.Throws<LatentSharpException>(() => SchedulerConfig.Load(missing));
            Assert.Equal($"{missing}: file not found", e.Message);

            string broken = Path.Combine(dir, "broken.json");
            File.WriteAllText(broken, "{\"num_train_timesteps\": \"many\"}");
            e = Assert.Throws<LatentSharpException>(() => SchedulerConfig.Load(broken));
            Assert.StartsWith($"{broken}: not a valid scheduler config", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
