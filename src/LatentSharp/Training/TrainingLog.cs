using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSharp.Imaging;

namespace LatentSharp.Training;

/// <summary>One line of <c>train_log.jsonl</c>.</summary>
/// <param name="Loss">Mean loss of the steps since the previous line.</param>
/// <param name="ExamplesPerSecond">Training throughput over those steps (examples through forward and backward per second).</param>
/// <param name="Time">Seconds of training so far, over all sessions of the run.</param>
internal sealed record TrainingLogEntry(long Step, double Loss, double LearningRate, double ExamplesPerSecond, double Time);

/// <summary>
/// The run's <c>train_log.jsonl</c>: one JSON object per logged step (step, loss, lr, samples_per_second,
/// time), appended and flushed as training goes, so <c>tail -f</c> follows a background run.
/// </summary>
internal sealed class TrainingLog
{
    readonly string path;

    public TrainingLog(string path) => this.path = path;

    public void Append(TrainingLogEntry entry) => File.AppendAllText(path, Format(entry) + "\n");

    /// <summary>
    /// Drops lines past <paramref name="step"/>: a resumed run repeats the steps after its checkpoint, and
    /// their first attempt would otherwise appear twice.
    /// </summary>
    public void TruncateAfter(long step) => TruncateAfter(path, step);

    /// <summary>Drops the lines of a JSON-lines log whose "step" is past <paramref name="step"/> (or that do not parse).</summary>
    public static void TruncateAfter(string path, long step)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadLines(path).Where(line => StepOf(line) is { } s && s <= step).ToList();
        AtomicFile.WriteAllText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
    }

    static string Format(TrainingLogEntry e)
    {
        var line = new JsonObject
        {
            ["step"] = e.Step,
            ["loss"] = Round(e.Loss),
            ["lr"] = Round(e.LearningRate),
            ["samples_per_second"] = Math.Round(e.ExamplesPerSecond, 2),
            ["time"] = Math.Round(e.Time, 1),
        };
        return line.ToJsonString();
    }

    static double Round(double v) => double.Parse(v.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    static long? StepOf(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["step"]?.GetValue<long>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Draws the loss history and saves it as a PNG: log scale when the loss spans a wide range, and over a long
    /// run a moving average on top of the logged values, which are too noisy to read a trend from.
    /// </summary>
    public static void PlotLoss(IReadOnlyList<LossPoint> history, string title, string pngPath)
    {
        if (history.Count == 0) return;
        var points = history.Select(p => ((double)p.Step, p.Loss)).ToList();
        bool smooth = history.Count >= SmoothFrom;
        var plot = new LineChart
        {
            Title = title,
            XLabel = "step",
            XMin = 0,
            YLabel = "loss",
            // Log scale when the loss falls by more than a factor of 3 (as it does early on); a flat stretch reads better linear.
            LogY = history.All(p => p.Loss > 0) && history.Max(p => p.Loss) > 3 * history.Min(p => p.Loss),
            Markers = history.Count <= 40,
            Series = smooth
                ? [new PlotSeries("logged loss", points, LightBlue), new PlotSeries("moving average", MovingAverage(points, Math.Max(5, history.Count / 40)), DarkBlue)]
                : [new PlotSeries("training loss", points)],
        };
        plot.Save(pngPath);
    }

    const int SmoothFrom = 50;
    static readonly Rgb LightBlue = new(166, 199, 232), DarkBlue = new(31, 119, 180);

    /// <summary>Each point replaced by the mean of the <paramref name="window"/> points centred on it (fewer at the ends).</summary>
    static List<(double X, double Y)> MovingAverage(IReadOnlyList<(double X, double Y)> points, int window)
    {
        int half = window / 2;
        return points.Select((p, i) =>
        {
            int from = Math.Max(0, i - half), to = Math.Min(points.Count - 1, i + half);
            double sum = 0;
            for (int j = from; j <= to; j++) sum += points[j].Y;
            return (p.X, sum / (to - from + 1));
        }).ToList();
    }
}
