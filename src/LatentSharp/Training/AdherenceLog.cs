using System.Text.Json;
using LatentSharp.Imaging;

namespace LatentSharp.Training;

/// <summary>
/// A diffusion run's adherence curve: <c>eval.jsonl</c> (one <see cref="AdherenceEvaluation"/> per line,
/// appended as training goes) and <c>eval.png</c>, each attribute's accuracy against steps, redrawn after
/// every evaluation so a background run can be watched (and stopped when nothing improves).
/// </summary>
internal sealed class AdherenceLog(string jsonlPath, string plotPath)
{
    static readonly JsonSerializerOptions Compact = new(ConfigJson.Options) { WriteIndented = false };

    public void Append(AdherenceEvaluation evaluation)
    {
        File.AppendAllText(jsonlPath, JsonSerializer.Serialize(evaluation, Compact) + "\n");
        Plot(ReadAll(), plotPath);
    }

    /// <summary>The evaluations so far, oldest first (lines that do not parse are skipped).</summary>
    public IReadOnlyList<AdherenceEvaluation> ReadAll()
    {
        if (!File.Exists(jsonlPath)) return [];
        var points = new List<AdherenceEvaluation>();
        foreach (var line in File.ReadLines(jsonlPath))
        {
            try
            {
                if (JsonSerializer.Deserialize<AdherenceEvaluation>(line, Compact) is { Seen: not null, HeldOut: not null } point) points.Add(point);
            }
            catch (JsonException)
            {
            }
        }
        return points;
    }

    /// <summary>Seen pairs: each attribute and all five together; held-out pairs: shape and position (colour is in eval.jsonl).</summary>
    public static void Plot(IReadOnlyList<AdherenceEvaluation> points, string pngPath)
    {
        if (points.Count == 0) return;
        PlotSeries Series(string name, Func<AdherenceEvaluation, double> value, bool heldOut = false) =>
            new(name, points.Select(p => ((double)p.Step, value(p))).ToList(), Dashed: heldOut);
        var plot = new LineChart
        {
            Title = "Prompt adherence during training (shapes judge)",
            XLabel = "step",
            XMin = 0,
            YLabel = "share of images correct",
            YMin = 0,
            YMax = 1,
            Markers = points.Count <= 40,
            Series =
            [
                Series("shape", p => p.Seen.Shape),
                Series("colour", p => p.Seen.Color),
                Series("background", p => p.Seen.Background),
                Series("position", p => p.Seen.Position),
                Series("size", p => p.Seen.Size),
                Series("all five", p => p.Seen.AllFive),
                Series("held-out shape", p => p.HeldOut.Shape, heldOut: true),
                Series("held-out position", p => p.HeldOut.Position, heldOut: true),
            ],
        };
        plot.Save(pngPath);
    }
}
