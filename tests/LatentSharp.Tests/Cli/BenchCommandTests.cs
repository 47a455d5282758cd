using System.Text.Json;
using LatentSharp.Cli;
using LatentSharp.Cli.Benchmarking;
using LatentSharp.Cli.Commands;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Cli;

/// <summary>
/// `sd bench` as a tool: its options and its JSON. Timings are not tested (the machine is shared). Alone:
/// it captures the console and sets LibTorch's (process-wide) thread count.
/// </summary>
[Collection("Alone")]
public class BenchCommandTests
{
    static int Run(SdCommand command, params string[] args) => Program.RunReportingErrors(command, args);

    [Theory]
    [InlineData("--size", "100")]
    [InlineData("--precision", "fp16")]
    [InlineData("--parts", "unet,gpu")]
    [InlineData("--repeats", "0")]
    public void BadOptionsAreUsageErrors(string option, string value) => Assert.Equal(2, Run(new BenchCommand(), option, value));

    [Fact]
    public void InProcessNeedsExactlyOneConfiguration() =>
        Assert.Equal(2, Run(new BenchCommand(), "--in-process", "--size", "64,128", "--precision", "fp32"));

    [Fact]
    public void GenerationRejectsAnUnknownPrecision() =>
        Assert.Equal(2, Run(new GenerateCommand(), "a cat", "--model", Fixtures.TinySd1, "--precision", "int8"));

    [Fact]
    public void OneConfigurationPrintsOneJsonObjectWithTheRequiredFields()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, Run(new BenchCommand(), "--in-process", "--json", "--model", Fixtures.TinySd1, "--size", "64",
                "--precision", "fp32", "--threads", Environment.ProcessorCount.ToString(), "--repeats", "1", "--steps", "2"));
        }
        finally
        {
            Console.SetOut(original);
        }
        using var json = JsonDocument.Parse(output.ToString().Trim());
        var root = json.RootElement;
        foreach (var field in new[] { "text_encode_s", "unet_pass_b1_s", "unet_pass_b2_s", "step_s", "step_min_s", "vae_decode_s", "image_s", "peak_rss_mb" })
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        Assert.Equal(64, root.GetProperty("size").GetInt32());
        Assert.Equal("fp32", root.GetProperty("precision").GetString());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("threads").GetInt32());
        Assert.Equal(Fixtures.TinySd1, root.GetProperty("model").GetString());
        if (OperatingSystem.IsLinux()) Assert.Contains(';', root.GetProperty("cpu").GetString() ?? "");
    }

    static BenchResult Result(int size, string precision, double seconds) => new()
    {
        Model = "m", Size = size, Precision = precision, PrecisionRequested = precision, Threads = 2, Repeats = 1, Steps = 2,
        LoadS = 1, WeightsMb = 1, PeakRssMb = 1, LoadAverage = "0", UnetPassB2S = seconds, UnetPassTflopB1 = seconds * 0.1,
    };

    [Fact]
    public void PlotDrawsEveryPrecisionFloorAndReferenceAsAChart()
    {
        using var temp = new TempFolder();
        File.WriteAllLines(temp["bench.jsonl"], new[]
        {
            Result(256, "fp32", 2), Result(512, "fp32", 9),
            // --parts step results carry the pipeline's step and no U-Net pass: plotted too.
            Result(256, "bf16", 1.5) with { UnetPassB2S = null, StepS = 1.5 }, Result(512, "bf16", 6) with { UnetPassB2S = null, StepS = 6 },
        }.Select(r => r.ToJson()).Prepend("progress lines and other text are skipped"));
        Assert.Equal(0, Run(new BenchPlotCommand(), temp["bench.jsonl"], temp["plot.png"], "--floor", "fp32=200",
            "--reference", "other f32=256:3,512:12"));
        // Two precisions, a floor and a reference: four series in four colours.
        PictureAssert.IsChart(temp["plot.png"], minColours: 4);

        Assert.Equal(2, Run(new BenchPlotCommand(), temp["bench.jsonl"], temp["bad.png"], "--reference", "other=big:3"));
        Assert.Equal(2, Run(new BenchPlotCommand(), temp["bench.jsonl"], temp["plot.jpg"]));
        Assert.False(File.Exists(temp["bad.png"]));
    }
}
