using ScottPlot;

namespace LatentSharp.Imaging;

/// <summary>
/// A square matrix drawn as a heatmap with a colour bar, rows top to bottom and columns left to right in the order of
/// <see cref="Labels"/>, each cell annotated with its value; rendered by ScottPlot like <see cref="LineChart"/>.
/// </summary>
public sealed record Heatmap
{
    public string Title { get; init; } = "";
    public required IReadOnlyList<string> Labels { get; init; }
    public required double[,] Values { get; init; }
    public int Width { get; init; } = 760;
    public int Height { get; init; } = 640;

    public Plot ToPlot()
    {
        int n = Labels.Count;
        if (Values.GetLength(0) != n || Values.GetLength(1) != n)
            throw new ArgumentException($"a {n}×{n} matrix is needed for {n} labels, not {Values.GetLength(0)}×{Values.GetLength(1)}");
        Fonts.Default = SystemFont.FamilyName;
        var plot = new Plot();
        plot.Title(Title);
        var map = plot.Add.Heatmap(Values);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        // ScottPlot centres cell (i, j) on x = j, y = n − 1 − i: row 0 on top, as a matrix is read.
        plot.Add.ColorBar(map);
        double max = Values.Cast<double>().DefaultIfEmpty(0).Max();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                var text = plot.Add.Text(Values[i, j].ToString("F0", System.Globalization.CultureInfo.InvariantCulture), j, n - 1 - i);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = Values[i, j] > 0.6 * max ? Colors.Black : Colors.White;
                text.LabelFontSize = 11;
            }
        var centres = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        // Two-word labels on two lines: side by side, nine of them would overlap.
        plot.Axes.Bottom.SetTicks(centres, Labels.Select(l => l.Replace('_', '\n')).ToArray());
        plot.Axes.Left.SetTicks(centres, Labels.Reverse().ToArray());
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        return plot;
    }

    /// <summary>Writes the PNG atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToPlot().GetImageBytes(Width, Height, ImageFormat.Png));
}
