using System.Globalization;
using LatentSharp.Imaging;

namespace LatentSharp.Evaluation;

/// <summary>The pictures of an evaluation: a sample grid with prompts and verdicts, and the guidance-sweep plot.</summary>
public static class EvalFigures
{
    const int Zoom = 2;

    /// <summary>Rows = prompts (a mix of seen and held-out pairs), columns = seeds; captions say what the judge saw.</summary>
    public static RgbImage SampleGrid(ScaleResult result, int seenRows = 10, int heldOutRows = 5)
    {
        var byPrompt = result.Samples.GroupBy(s => s.Prompt).ToList();
        var rows = byPrompt.Where(g => !g.Key.HeldOut).Take(seenRows).Concat(byPrompt.Where(g => g.Key.HeldOut).Take(heldOutRows)).ToList();
        int columns = rows.Max(r => r.Count());
        var images = rows.SelectMany(r => r.Select(s => Resampling.ScaleNearest(s.Image, Zoom))).ToList();
        var captions = rows.SelectMany(r => r.Select(Caption)).ToList();
        var headers = rows.Select(r => (r.Key.HeldOut ? "[held out] " : "") + r.Key.Text).ToList();
        return ImageGrid.Compose(images, columns,
            new GridLabels { RowHeaders = headers, Captions = captions },
            new GridStyle { MaxRowHeaderWidth = 220, CaptionLines = 2, FontSize = 11 });
    }

    static string Caption(EvalSample s) =>
        s.Verdict.Matches(s.Prompt.Spec) ? "ok" : s.Verdict.Found
            ? $"saw {s.Verdict.Color} {s.Verdict.Shape}".ToLowerInvariant()
            : "no object";

    /// <summary>Adherence per attribute (seen pairs) and diversity against the guidance scale.</summary>
    public static LineChart GuidancePlot(IReadOnlyList<ScaleResult> scales) => new()
    {
        Title = "Classifier-free guidance: adherence vs diversity",
        XLabel = "guidance scale",
        YLabel = "share correct / RMS distance",
        YMin = 0,
        YMax = 1,
        Series =
        [
            Series("shape", scales, r => r.Seen.Shape),
            Series("colour", scales, r => r.Seen.Color),
            Series("background", scales, r => r.Seen.Background),
            Series("position", scales, r => r.Seen.Position),
            Series("size", scales, r => r.Seen.Size),
            Series("all five", scales, r => r.Seen.AllFive),
            Series("diversity", scales, r => r.Diversity),
        ],
    };

    static PlotSeries Series(string name, IReadOnlyList<ScaleResult> scales, Func<ScaleResult, double> value) =>
        new(name, scales.Select(r => (r.GuidanceScale, value(r))).ToList());

    /// <summary>One prompt: rows = guidance scales, columns = seeds.</summary>
    public static RgbImage ScaleGrid(string prompt, IReadOnlyList<(double Scale, IReadOnlyList<RgbImage> Images)> rows, IReadOnlyList<long> seeds) =>
        ImageGrid.Compose(rows.SelectMany(r => r.Images.Select(i => Resampling.ScaleNearest(i, Zoom))).ToList(), seeds.Count,
            new GridLabels
            {
                Title = prompt,
                ColumnHeaders = [.. seeds.Select(s => $"seed {s}")],
                RowHeaders = [.. rows.Select(r => "g " + r.Scale.ToString("0.##", CultureInfo.InvariantCulture))],
            },
            new GridStyle { HeaderLines = 1 });
}
