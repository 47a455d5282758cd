using LatentSharp.Imaging;
using LatentSharp.Tests.Support;
using static LatentSharp.Tests.Support.PictureAssert;

namespace LatentSharp.Tests.Imaging;

public class LineChartTests
{
    static readonly Rgb Red = new(214, 39, 40);

    [Fact]
    public void SaveWritesAPngOfTheAskedSizeWithEverySeriesAndNoTemporaryFile()
    {
        using var temp = new TempFolder();
        new LineChart
        {
            Title = "Guidance sweep", XLabel = "guidance scale", YLabel = "score", YMin = 0, YMax = 1,
            Series = [new PlotSeries("adherence", [(1, 0.2), (3, 0.6), (7.5, 0.9), (15, 0.95)], Red), new PlotSeries("diversity", [(1, 0.8), (15, 0.1)], Dashed: true)],
        }.Save(temp["plot.png"]);
        var image = IsChart(temp["plot.png"], minColours: 2);
        Assert.True(Fraction(image, p => p == Red) > 0.001, "the red series in its own colour");
        Assert.Equal(["plot.png"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));

        new LineChart { Width = 400, Height = 300, Series = [new PlotSeries("", [(0, 1), (1, 2)])] }.Save(temp["small.png"]);
        IsChart(temp["small.png"], 400, 300);
    }

    /// <summary>Mean row of the red pixels: where the series was drawn.</summary>
    static double RedRow(LineChart chart)
    {
        var image = chart.Render();
        var rows = new List<int>();
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                if (image[x, y] == Red) rows.Add(y);
        Assert.NotEmpty(rows);
        return rows.Average();
    }

    [Fact]
    public void ValuesArePlacedOnTheirAxis()
    {
        LineChart Flat(double y, bool log = false) => new()
        {
            YMin = log ? 0.01 : 0, YMax = 1, LogY = log, Markers = false,
            Series = [new PlotSeries("", [(0, y), (10, y)], Red)],
        };
        double low = RedRow(Flat(0.25)), high = RedRow(Flat(0.75)), middle = RedRow(Flat(0.5));
        Assert.True(low > high + 100, $"0.25 drawn at row {low}, 0.75 at {high}");
        Assert.InRange(middle, (low + high) / 2 - 3, (low + high) / 2 + 3);
        // On a log axis from 0.01 to 1, 0.1 sits halfway.
        double bottom = RedRow(Flat(0.0101, log: true)), top = RedRow(Flat(0.99, log: true)), tenth = RedRow(Flat(0.1, log: true));
        Assert.InRange(tenth, (bottom + top) / 2 - 4, (bottom + top) / 2 + 4);
    }

    [Fact]
    public void GapsAndNonPositiveValuesOnALogAxisAreSkippedAndNothingToPlotIsAnError()
    {
        var chart = new LineChart
        {
            LogY = true,
            Series = [new PlotSeries("loss", [(0, 1), (1, double.NaN), (2, 0.1), (3, 0), (4, 0.01), (5, 0.02)])],
        };
        Assert.Equal((800, 500), (chart.Render().Width, chart.Render().Height));
        Assert.Throws<LatentSharpException>(() => new LineChart { Series = [new PlotSeries("empty", [(1, double.NaN)])] }.Render());
        Assert.Throws<LatentSharpException>(() => new LineChart { LogY = true, Series = [new PlotSeries("zero", [(1, 0), (2, -1)])] }.Render());
    }
}
