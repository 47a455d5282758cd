using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Server;

public class ServeCommandTests
{
    [Fact]
    public void DefaultsListenOnLoopbackAtA1111sPortWithTheDocumentedLimits()
    {
        var (options, model, _) = ServeCommand.Parse(["--model", Fixtures.TinySd1]);
        Assert.Equal(("127.0.0.1", 7860, 150, 1024, 1024, Fixtures.TinySd1), (options.Host, options.Port, options.MaxSteps, options.MaxWidth, options.MaxHeight, model));
        Assert.Equal((TimeSpan.FromSeconds(25), LatentSharp.Server.ServerLogFormat.Text), (options.ShutdownGrace, options.LogFormat));
    }

    [Fact]
    public void OptionsReachTheServer()
    {
        var (options, _, _) = ServeCommand.Parse(["--model", "m", "--host", "0.0.0.0", "--port", "8080", "--api-key", "k",
            "--max-queue", "3", "--max-steps", "40", "--max-size", "768x512", "--max-images", "4", "--shutdown-grace", "7", "--log-format", "json"]);
        Assert.Equal(("0.0.0.0", 8080, "k", 3, 40, 768, 512, 4),
            (options.Host, options.Port, options.ApiKey, options.MaxQueue, options.MaxSteps, options.MaxWidth, options.MaxHeight, options.MaxImages));
        Assert.Equal((TimeSpan.FromSeconds(7), LatentSharp.Server.ServerLogFormat.Json), (options.ShutdownGrace, options.LogFormat));
    }

    [Theory]
    [InlineData("--port", "http")]
    [InlineData("--port", "70000")]
    [InlineData("--max-size", "1024")]
    [InlineData("--max-queue", "-1")]
    [InlineData("--api-key", "")]
    [InlineData("--shutdown-grace", "-1")]
    [InlineData("--log-format", "xml")]
    [InlineData("--bogus", "1")]
    public void BadArgumentsAreAUsageErrorBeforeAnyModelLoads(string option, string value)
    {
        Assert.Equal(2, Program.RunReportingErrors(new ServeCommand(), ["--model", "/nonexistent", option, value]));
    }
}
