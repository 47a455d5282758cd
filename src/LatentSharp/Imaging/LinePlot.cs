namespace LatentSharp.Imaging;

/// <summary>One line of a <see cref="LinePlot"/>; points with a non-finite coordinate are skipped (the line breaks there).</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points, Rgb? Colour = null);

/// <summary>
/// A small line-plot renderer (axes, ticks, grid lines, legend, title) drawn with the bitmap font, for
/// sweeps such as adherence/diversity against guidance scale and for training loss curves.
/// </summary>
public sealed class LinePlot
{
    // Matplotlib's default cycle, so plots look familiar.
    static readonly Rgb[] DefaultColours = new[] { "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F" }
        .Select(Rgb.FromHex).ToArray();

    static readonly Rgb Ink = new(30, 30, 30);
    static readonly Rgb GridLine = new(225, 225, 225);

    public string Title { get; init; } = "";
    public string XLabel { get; init; } = "";
    public string YLabel { get; init; } = "";
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 420;

    /// <summary>A logarithmic y axis (e.g. for a loss curve); only positive y values are drawn.</summary>
    public bool LogY { get; init; }

    /// <summary>Fixed y range; when null it is taken from the data (widened to round ticks).</summary>
    public double? YMin { get; init; }
    public double? YMax { get; init; }

    /// <summary>Draw a small square at each point (useful for sweeps with few points).</summary>
    public bool Markers { get; init; } = true;

    public IReadOnlyList<PlotSeries> Series { get; init; } = [];

    const int Font = 1, TitleFont = 2, Margin = 10;

    public void Save(string path) => PngWriter.Write(path, Render());

    public RgbImage Render()
    {
        var points = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!LogY || p.Y > 0)).ToList();
        if (points.Count == 0) throw new LatentSharpException("nothing to plot: no series has a finite point");
        var xTicks = AxisTicks.Linear(points.Min(p => p.X), points.Max(p => p.X));
        var yTicks = YTicks(points);
        var frame = PlotFrame(yTicks);
        var image = new RgbImage(Width, Height, Rgb.White);
        var axes = new Axes(frame, xTicks[0], xTicks[^1], Transform(yTicks[0]), Transform(yTicks[^1]));
        DrawGridAndTicks(image, axes, xTicks, yTicks);
        for (int i = 0; i < Series.Count; i++) DrawSeries(image, axes, Series[i], Series[i].Colour ?? DefaultColours[i % DefaultColours.Length]);
        image.DrawRect(frame.Left, frame.Top, frame.Right - frame.Left + 1, frame.Bottom - frame.Top + 1, Ink);
        DrawTitles(image, frame);
        DrawLegend(image, frame);
        return image;
    }

    double[] YTicks(List<(double X, double Y)> points)
    {
        double min = YMin ?? points.Min(p => p.Y), max = YMax ?? points.Max(p => p.Y);
        return LogY ? AxisTicks.Log(min, max) : AxisTicks.Linear(min, max);
    }

    double Transform(double y) => LogY ? Math.Log10(y) : y;

    readonly record struct Frame(int Left, int Top, int Right, int Bottom);

    /// <summary>The plotting area, leaving room for the title, axis labels and the widest tick label.</summary>
    Frame PlotFrame(double[] yTicks)
    {
        int line = BitmapFont.LineHeight * Font;
        int tickLabelWidth = yTicks.Max(t => BitmapFont.MeasureWidth(AxisTicks.Label(t), Font));
        int left = Margin + (YLabel.Length > 0 ? line + 4 : 0) + tickLabelWidth + 6;
        int top = Margin + (Title.Length > 0 ? BitmapFont.LineHeight * TitleFont + 4 : 0);
        int bottom = Height - Margin - line - 4 - (XLabel.Length > 0 ? line + 2 : 0);
        int right = Width - Margin - 6;
        if (right - left < 40 || bottom - top < 40) throw new LatentSharpException($"plot size {Width}x{Height} is too small for its labels");
        return new Frame(left, top, right, bottom);
    }

    /// <summary>Maps data coordinates (y already transformed) to pixel coordinates in the frame.</summary>
    readonly record struct Axes(Frame Frame, double X0, double X1, double Y0, double Y1)
    {
        public double Px(double x) => Frame.Left + (x - X0) / (X1 - X0) * (Frame.Right - Frame.Left);
        public double Py(double y) => Frame.Bottom - (y - Y0) / (Y1 - Y0) * (Frame.Bottom - Frame.Top);
    }

    void DrawGridAndTicks(RgbImage image, Axes axes, double[] xTicks, double[] yTicks)
    {
        var f = axes.Frame;
        foreach (double x in xTicks)
        {
            int px = (int)Math.Round(axes.Px(x));
            image.FillRect(px, f.Top, 1, f.Bottom - f.Top, GridLine);
            image.FillRect(px, f.Bottom, 1, 4, Ink);
            string label = AxisTicks.Label(x);
            image.DrawText(label, px - BitmapFont.MeasureWidth(label, Font) / 2, f.Bottom + 6, Ink, Font);
        }
        foreach (double y in yTicks)
        {
            int py = (int)Math.Round(axes.Py(Transform(y)));
            image.FillRect(f.Left, py, f.Right - f.Left, 1, GridLine);
            image.FillRect(f.Left - 4, py, 4, 1, Ink);
            string label = AxisTicks.Label(y);
            image.DrawText(label, f.Left - 6 - BitmapFont.MeasureWidth(label, Font), py - BitmapFont.CapHeight * Font / 2, Ink, Font);
        }
    }

    void DrawSeries(RgbImage image, Axes axes, PlotSeries series, Rgb colour)
    {
        (double X, double Y)? previous = null;
        foreach (var (x, y) in series.Points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y) || (LogY && y <= 0)) { previous = null; continue; }
            var current = (axes.Px(x), axes.Py(Transform(y)));
            if (previous is { } p) image.DrawLine(p.X, p.Y, current.Item1, current.Item2, colour, 2);
            if (Markers) image.FillRect((int)Math.Round(current.Item1) - 2, (int)Math.Round(current.Item2) - 2, 5, 5, colour);
            previous = current;
        }
    }

    void DrawTitles(RgbImage image, Frame f)
    {
        int centre = (f.Left + f.Right) / 2;
        if (Title.Length > 0)
            image.DrawText(Title, centre - BitmapFont.MeasureWidth(Title, TitleFont) / 2, Margin, Ink, TitleFont);
        if (XLabel.Length > 0)
            image.DrawText(XLabel, centre - BitmapFont.MeasureWidth(XLabel, Font) / 2, Height - Margin - BitmapFont.GlyphHeight * Font, Ink, Font);
        if (YLabel.Length > 0)
            BitmapFont.DrawVertical(image, YLabel, Margin, (f.Top + f.Bottom) / 2 + BitmapFont.MeasureWidth(YLabel, Font) / 2, Ink, Font);
    }

    /// <summary>Series names with a colour swatch, in a boxed list at the top right of the plot area.</summary>
    void DrawLegend(RgbImage image, Frame f)
    {
        var named = Series.Select((s, i) => (s.Name, Colour: s.Colour ?? DefaultColours[i % DefaultColours.Length])).Where(s => s.Name.Length > 0).ToList();
        if (named.Count == 0) return;
        int line = BitmapFont.LineHeight * Font, swatch = 16;
        int width = swatch + 12 + named.Max(s => BitmapFont.MeasureWidth(s.Name, Font));
        int height = named.Count * line + 6;
        int x = f.Right - width - 6, y = f.Top + 6;
        image.FillRect(x, y, width, height, Rgb.White);
        image.DrawRect(x, y, width, height, new Rgb(160, 160, 160));
        for (int i = 0; i < named.Count; i++)
        {
            int rowY = y + 4 + i * line;
            image.FillRect(x + 4, rowY + 3, swatch, 2, named[i].Colour);
            image.DrawText(named[i].Name, x + swatch + 8, rowY, Ink, Font);
        }
    }
}
