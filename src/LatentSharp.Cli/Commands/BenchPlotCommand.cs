using System.CommandLine;
using System.Globalization;
using LatentSharp.Cli.Benchmarking;
using LatentSharp.Imaging;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd bench plot`: seconds per guided step against image size, from `sd bench --json` output.</summary>
public sealed class BenchPlotCommand : SdCommand
{
    readonly Argument<string> input = new("RESULTS.jsonl") { Description = "sd bench --json output" };
    readonly Argument<string> outputFile = new("OUTPUT.png") { Description = "the plot to write" };
    readonly Option<string?> floor = CliOption.OptionalString("--floor",
        "dashed arithmetic floors: FLOPs of a guided step / rate, e.g. fp32=220,bf16=560 (GFLOP/s)", "LIST");
    readonly Option<string?> reference = CliOption.OptionalString("--reference",
        "other programs' measured seconds per guided step, ';' between programs, e.g. " +
        "\"stable-diffusion.cpp f32=256:6.7,512:33.5;diffusers fp32=512:48.3\"", "SPEC");

    public BenchPlotCommand() : base("bench plot", "plot seconds per guided step (--parts step, else the batch-2 U-Net pass) against image size from sd bench --json results")
    {
        Add(input);
        Add(outputFile);
        Add(floor);
        Add(reference);
    }

    protected override bool UsesLibTorch => false;

    protected override int Run(ParseResult parse)
    {
        string input = parse.GetValue(this.input)!, output = parse.GetValue(outputFile)!;
        string? floors = parse.GetValue(floor);
        var references = (parse.GetValue(reference) ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new UsageException($"the output must be a .png file (got '{output}')");

        var results = File.ReadLines(input).Where(l => l.TrimStart().StartsWith('{')).Select(BenchResult.FromJson)
            .Where(r => GuidedStepSeconds(r) != null).ToList();
        if (results.Count == 0) throw new UsageException($"{input} has no results with step or U-Net timings");
        var series = results.GroupBy(r => r.Precision)
            .Select(g => new PlotSeries($"LatentSharp {g.Key}", g.OrderBy(r => r.Size).Select(r => ((double)r.Size, GuidedStepSeconds(r)!.Value)).ToList()))
            .ToList();
        if (floors != null)
            foreach (var (name, rate) in Pairs(floors, "--floor"))
                series.Add(new PlotSeries($"floor {name} @ {rate} GFLOP/s", results.Select(r => r.Size).Distinct().Order()
                    .Select(size => ((double)size, 2 * results.First(r => r.Size == size).UnetPassTflopB1!.Value * 1e3 / double.Parse(rate, CultureInfo.InvariantCulture))).ToList(),
                    Dashed: true));
        foreach (var reference in references)
        {
            int eq = reference.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--reference takes NAME=SIZE:SECONDS,... (got '{reference}')");
            series.Add(new PlotSeries(reference[..eq], Pairs(reference[(eq + 1)..], "--reference", ':')
                .Select(p => (double.Parse(p.Key, CultureInfo.InvariantCulture), double.Parse(p.Value, CultureInfo.InvariantCulture))).ToList()));
        }
        new LineChart
        {
            Title = $"{results[0].Model}, one guided step, {results[0].Threads} threads",
            XLabel = "image side (pixels)", YLabel = "seconds", LogY = true, Series = series,
            // Time grows with size: the upper-left corner is free.
            LegendLeft = true,
        }.Save(output);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    /// <summary>The pipeline's own guided step (--parts step) where measured, else the batch-2 U-Net pass it mostly is.</summary>
    static double? GuidedStepSeconds(BenchResult r) => r.StepS ?? r.UnetPassB2S;

    static IEnumerable<(string Key, string Value)> Pairs(string list, string option, char separator = '=') =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(item =>
        {
            var parts = item.Split(separator);
            // Reference points are SIZE:SECONDS, both numbers; floors are NAME=RATE.
            bool keyOk = separator != ':' || double.TryParse(parts[0], CultureInfo.InvariantCulture, out _);
            return parts.Length == 2 && keyOk && double.TryParse(parts[1], CultureInfo.InvariantCulture, out _)
                ? (parts[0], parts[1]) : throw new UsageException($"{option}: cannot read '{item}'");
        });
}
