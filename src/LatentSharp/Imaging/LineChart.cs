using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace LatentSharp.Imaging;

/// <summary>One line of a <see cref="LineChart"/>; points with a non-finite coordinate are skipped (the line breaks there).</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points, Rgb? Colour = null, bool Dashed = false);

/// <summary>
/// A line chart as the library draws them — training loss, adherence during training, the guidance sweep, the
/// benchmark — described once and rendered by ScottPlot (through SkiaSharp) in the system's sans-serif font.
/// The description stays free of ScottPlot types so evaluation and training code need not know the renderer.
/// </summary>
public sealed record LineChart
{
    public string Title { get; init; } = "";
    public string XLabel { get; init; } = "";
    public string YLabel { get; init; } = "";
    public int Width { get; init; } = 800;
    public int Height { get; init; } = 500;

    /// <summary>A logarithmic y axis (e.g. for a loss curve); only positive y values are drawn.</summary>
    public bool LogY { get; init; }

    /// <summary>Fixed y range; when null it is taken from the data.</summary>
    public double? YMin { get; init; }
    public double? YMax { get; init; }

    /// <summary>Fixed start of the x axis (e.g. step 0 for training curves); when null it is taken from the data.</summary>
    public double? XMin { get; init; }

    /// <summary>Draw a marker at each point (useful for sweeps with few points).</summary>
    public bool Markers { get; init; } = true;

    public IReadOnlyList<PlotSeries> Series { get; init; } = [];

    /// <summary>Put the legend in the upper-left corner (for rising curves, whose last points sit upper right).</summary>
    public bool LegendLeft { get; init; }

    /// <summary>More named series than this and the legend moves out of the data area, to the right.</summary>
    const int LegendInsideMax = 4;

    /// <summary>The chart as a ScottPlot plot, for callers that want to change more than this record describes.</summary>
    public Plot ToPlot()
    {
        var segments = Series.Select(s => (Series: s, Segments: Segments(s))).ToList();
        if (segments.All(s => s.Segments.Count == 0)) throw new LatentSharpException("nothing to plot: no series has a finite point");
        // ScottPlot's process-wide default family, read when a plot is built; plot.Font.Set would also drop
        // the title's bold weight.
        Fonts.Default = SystemFont.FamilyName;
        var plot = new Plot();
        plot.Title(Title);
        plot.XLabel(XLabel);
        plot.YLabel(YLabel);
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < segments.Count; i++)
        {
            var (series, parts) = segments[i];
            var colour = series.Colour is { } c ? new Color(c.R, c.G, c.B) : palette.GetColor(i);
            for (int p = 0; p < parts.Count; p++) AddLine(plot, parts[p], colour, series, legend: p == 0);
        }
        ConfigureYAxis(plot, segments.SelectMany(s => s.Segments).SelectMany(p => p.Ys).ToList());
        if (XMin is { } xMin)
        {
            double xMax = Math.Max(xMin + 1, segments.SelectMany(s => s.Segments).SelectMany(p => p.Xs).Max());
            plot.Axes.SetLimitsX(xMin, xMax + (xMax - xMin) * 0.03);
        }
        bool named = Series.Any(s => s.Name.Length > 0);
        if (named && Series.Count(s => s.Name.Length > 0) > LegendInsideMax) plot.ShowLegend(Edge.Right);
        else if (named) plot.ShowLegend(LegendLeft ? Alignment.UpperLeft : Alignment.UpperRight);
        return plot;
    }

    /// <summary>The chart as PNG bytes.</summary>
    public byte[] EncodePng() => ToPlot().GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>Writes the PNG atomically (a reader sees the old plot or the new one, never half of one).</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, EncodePng());

    public RgbImage Render()
    {
        using var bitmap = SKBitmap.Decode(EncodePng());
        return SkiaBitmaps.FromSkia(bitmap);
    }

    /// <summary>Runs of consecutive drawable points (y already on the axis' scale): a gap in the data is a gap in the line.</summary>
    List<(double[] Xs, double[] Ys)> Segments(PlotSeries series)
    {
        var segments = new List<(double[] Xs, double[] Ys)>();
        var run = new List<(double X, double Y)>();
        void Close()
        {
            if (run.Count > 0) segments.Add((run.Select(p => p.X).ToArray(), run.Select(p => p.Y).ToArray()));
            run.Clear();
        }
        foreach (var (x, y) in series.Points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y) || (LogY && y <= 0)) { Close(); continue; }
            run.Add((x, LogY ? Math.Log10(y) : y));
        }
        Close();
        return segments;
    }

    void AddLine(Plot plot, (double[] Xs, double[] Ys) part, Color colour, PlotSeries series, bool legend)
    {
        var line = plot.Add.Scatter(part.Xs, part.Ys, colour);
        line.LineWidth = 2;
        // A lone point has no line to show it: it always gets a marker, a larger one.
        bool lone = part.Xs.Length == 1;
        line.MarkerSize = lone ? 10 : Markers ? 6 : 0;
        if (!Markers && !lone) line.MarkerShape = MarkerShape.None;
        if (series.Dashed) line.LinePattern = LinePattern.Dashed;
        if (legend && series.Name.Length > 0) line.LegendText = series.Name;
    }

    void ConfigureYAxis(Plot plot, List<double> ys)
    {
        if (LogY)
        {
            double low = YMin is { } min && min > 0 ? Math.Log10(min) : ys.Min(), high = YMax is { } max && max > 0 ? Math.Log10(max) : ys.Max();
            double margin = Math.Max(0.05, (high - low) * 0.05);
            plot.Axes.Left.TickGenerator = LogTicks(low - margin, high + margin);
            plot.Axes.SetLimitsY(low - margin, high + margin);
        }
        else if (YMin is not null || YMax is not null)
        {
            double low = YMin ?? ys.Min(), high = YMax ?? ys.Max();
            // A little room beyond a fixed range, so markers on its edges are drawn whole.
            double margin = (high - low) * 0.03;
            plot.Axes.SetLimitsY(low - margin, high + margin);
        }
    }

    /// <summary>
    /// Ticks of a log10 axis, labelled in data units: every decade; 2 and 5 within a decade too when the axis
    /// spans fewer than three decades (a loss curve usually spans one or two), every 1..9 when it spans less
    /// than one; the rest are unlabelled minor ticks.
    /// </summary>
    static NumericManual LogTicks(double low, double high)
    {
        var ticks = new NumericManual();
        double[] labelled = high - low < 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : high - low < 3 ? [1, 2, 5] : [1];
        for (int decade = (int)Math.Floor(low); decade <= (int)Math.Ceiling(high); decade++)
            for (int m = 1; m <= 9; m++)
            {
                double value = m * Math.Pow(10, decade), position = Math.Log10(value);
                if (position < low || position > high) continue;
                if (labelled.Contains(m)) ticks.AddMajor(position, value.ToString("G4", CultureInfo.InvariantCulture));
                else ticks.AddMinor(position);
            }
        return ticks;
    }
}
