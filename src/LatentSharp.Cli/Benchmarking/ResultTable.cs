using System.Globalization;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>Benchmark results as a table: medians, with minimums in brackets where they matter.</summary>
public static class ResultTable
{
    static readonly (string Header, Func<BenchResult, string> Cell)[] Columns =
    [
        ("model", r => r.Model),
        ("size", r => $"{r.Size}²"),
        ("prec", r => r.Precision == r.PrecisionRequested ? r.Precision : $"{r.Precision}*"),
        ("thr", r => r.Threads.ToString(CultureInfo.InvariantCulture)),
        ("text s", r => Seconds(r.TextEncodeS)),
        ("unet b1 s", r => Pair(r.UnetPassB1S, r.UnetPassB1MinS)),
        ("unet b2 s", r => Pair(r.UnetPassB2S, r.UnetPassB2MinS)),
        ("unet GFLOP/s", r => Number(r.UnetPassB2Gflops, "0")),
        ("step s", r => Pair(r.StepS, r.StepMinS)),
        ("sched ms/step", r => Number(r.SchedulerStepMs, "0.0")),
        ("vae dec s", r => Pair(r.VaeDecodeS, r.VaeDecodeMinS) + (r.VaeTile is int t ? $" t{t}" : "")),
        ("dec GFLOP/s", r => Number(r.VaeDecodeGflops, "0")),
        ("vae enc s", r => Pair(r.VaeEncodeS, r.VaeEncodeMinS)),
        ("image s", r => Pair(r.ImageS, r.ImageMinS)),
        ("image RSS MB", r => Number(r.ImagePeakRssMb, "0")),
        ("peak RSS MB", r => Number(r.PeakRssMb, "0")),
        ("load avg", r => r.LoadAverage.Split(' ')[0]),
    ];

    public const string Note = "times: median (min) over the repeats; GFLOP/s from the medians; * = fell back to fp32 (no native bf16)";

    /// <summary>The results as a table (model, size, precision and threads left-aligned; numbers right-aligned), then the note.</summary>
    public static void Write(IReadOnlyList<BenchResult> results, TextWriter? writer = null)
    {
        var table = ConsoleTable.Create(Columns.Select(c => c.Header), leftAligned: 4);
        foreach (var result in results) table.AddCells(Columns.Select(c => c.Cell(result)));
        ConsoleTable.Write(table, writer);
        (writer ?? Console.Out).WriteLine(Note);
    }

    static string Seconds(double? value) => Number(value, "0.00");

    static string Pair(double? median, double? min) => median is null ? "-" : $"{Seconds(median)} ({Seconds(min)})";

    static string Number(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
