using LatentSharp.Cli;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Cli;

/// <summary>
/// What `sd` prints when its output is not a terminal (as here, under the test host): progress as plain log lines with
/// rate and ETA, tables as aligned columns. Alone: it captures the console.
/// </summary>
[Collection("Alone")]
public class ConsoleOutputTests
{
    [Fact]
    public void ARedirectedProgressBarWritesPlainLinesWithCountRateAndStatus()
    {
        Assert.True(Console.IsErrorRedirected, "the test host redirects stderr");
        var (_, output, error) = ConsoleCapture.Run(() =>
        {
            using var bar = new ProgressBar("sampling", 4);
            for (int i = 1; i <= 4; i++) bar.Report(i, $"loss 0.{i}");
            return 0;
        });
        Assert.Equal("", output);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // the start and the end: no redraws, no escape codes
        Assert.StartsWith("sampling 0% 0/4 ", lines[0]);
        Assert.Matches(@"^sampling 100% 4/4 [0-9.]+ (it/s|s/it) ETA - \d+:\d\d  loss 0\.4$", lines[1]);
        Assert.DoesNotContain('\u001b', error);
    }

    [Fact]
    public void ByteProgressReadsInMegabytes()
    {
        var (_, _, error) = ConsoleCapture.Run(() =>
        {
            using var bar = new ProgressBar("download unet", 3_440_000_000, unit: ProgressUnit.Bytes);
            bar.Report(1_720_000_000);
            return 0;
        });
        Assert.Contains("download unet 50% 1.72 GB/3.44 GB ", error.Split('\n')[^2]);
        Assert.Matches(@"[0-9.]+ (GB|MB|kB|B)/s ETA", error);
    }

    [Fact]
    public void APlainTableHasAlignedColumnsAndNoTrailingSpaces()
    {
        var table = ConsoleTable.Create(["model", "size", "seconds"], leftAligned: 1);
        table.AddCells(["tiny", "64", "0.25"]).AddCells(["sd15-random", "512", "12.50"]);
        var text = new StringWriter();
        ConsoleTable.Write(table, text);
        Assert.Equal(
        [
            "model        size  seconds",
            "tiny           64     0.25",
            "sd15-random   512    12.50",
        ], text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
