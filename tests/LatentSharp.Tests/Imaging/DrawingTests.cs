using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class DrawingTests
{
    static int InkIn(RgbImage image, int x, int y, int width, int height, Rgb background)
    {
        int count = 0;
        for (int py = y; py < y + height; py++)
            for (int px = x; px < x + width; px++)
                if (image[px, py] != background) count++;
        return count;
    }

    [Fact]
    public void EveryPrintableCharacterHasAGlyphAndOthersShowAQuestionMark()
    {
        for (char c = '!'; c <= '~'; c++)
        {
            char ch = c;
            Assert.True(Enumerable.Range(0, BitmapFont.GlyphHeight).Any(y => Enumerable.Range(0, BitmapFont.GlyphWidth).Any(x => BitmapFont.IsSet(ch, x, y))), $"glyph '{c}' is empty");
        }
        for (int y = 0; y < BitmapFont.GlyphHeight; y++)
            for (int x = 0; x < BitmapFont.GlyphWidth; x++)
            {
                Assert.False(BitmapFont.IsSet(' ', x, y));
                Assert.Equal(BitmapFont.IsSet('?', x, y), BitmapFont.IsSet('é', x, y));
            }
    }

    [Fact]
    public void TextIsDrawnWhereItIsMeasuredAtAnyScale()
    {
        foreach (int scale in new[] { 1, 3 })
        {
            var image = new RgbImage(200, 40, Rgb.White);
            image.DrawText("Hi 42", 5, 5, Rgb.Black, scale);
            int width = BitmapFont.MeasureWidth("Hi 42", scale);
            int inside = InkIn(image, 5, 5, width, BitmapFont.CapHeight * scale, Rgb.White);
            Assert.True(inside > 10 * scale * scale);
            Assert.Equal(inside, InkIn(image, 0, 0, 200, 40, Rgb.White));
        }
    }

    [Fact]
    public void WrapBreaksAtSpacesAndCutsWithAnEllipsis()
    {
        Assert.Equal(["a large red", "circle in the", "center"], TextLayout.Wrap("a large red circle in the center", 13, 5));
        Assert.Equal(["a large red", "circle in..."], TextLayout.Wrap("a large red circle in the center", 13, 2));
        Assert.Equal(["abcde", "fghij", "k"], TextLayout.Wrap("abcdefghijk", 5, 3));
        Assert.All(TextLayout.Wrap(string.Join(' ', Enumerable.Repeat("word", 100)), 17, 4), line => Assert.True(line.Length <= 17));
    }

    [Fact]
    public void GridHasTheExpectedSizeAndTextInItsLabelAreas()
    {
        var tiles = Enumerable.Range(0, 5).Select(i => new RgbImage(32, 24, new Rgb((byte)(40 * i), 100, 200))).ToList();
        var style = new GridStyle();
        var labels = new GridLabels
        {
            ColumnHeaders = ["g=1", "g=7.5", "g=15"],
            RowHeaders = ["seed 1", "seed 2"],
            Captions = tiles.Select((_, i) => $"a very long prompt number {i} that has to wrap over several lines and be cut").ToList(),
        };
        var grid = ImageGrid.Compose(tiles, 3, labels, style);

        int line = BitmapFont.LineHeight, pad = style.Padding;
        int rowHeader = BitmapFont.MeasureWidth("seed 1") + pad;
        int header = style.HeaderLines * line + pad, caption = style.CaptionLines * line;
        Assert.Equal(pad + rowHeader + 3 * (32 + pad), grid.Width);
        Assert.Equal(pad + header + 2 * (24 + caption + pad), grid.Height);

        int cellX = pad + rowHeader, cellY = pad + header;
        Assert.Equal(tiles[0][5, 5], grid[cellX + 5, cellY + 5]);
        Assert.True(InkIn(grid, cellX, pad, 32, header - pad, Rgb.White) > 0, "column header");
        Assert.True(InkIn(grid, pad, cellY, rowHeader - pad, 24, Rgb.White) > 0, "row header");
        Assert.True(InkIn(grid, cellX, cellY + 24, 32, caption, Rgb.White) > 0, "caption");
        Assert.Equal(0, InkIn(grid, grid.Width - 32 - pad, grid.Height - 24 - caption - pad, 32, 24 + caption, Rgb.White));
    }

    [Fact]
    public void PlotDrawsTitleAxesSeriesAndLegend()
    {
        var red = new Rgb(214, 39, 40);
        var plot = new LinePlot
        {
            Title = "Guidance sweep", XLabel = "guidance scale", YLabel = "score", Width = 400, Height = 300,
            Series = [new PlotSeries("adherence", [(1, 0.2), (3, 0.6), (7.5, 0.9), (15, 0.95)], red), new PlotSeries("diversity", [(1, 0.8), (15, 0.1)])],
        };
        var image = plot.Render();
        Assert.Equal((400, 300), (image.Width, image.Height));
        Assert.True(InkIn(image, 100, 0, 200, 30, Rgb.White) > 50, "title");
        Assert.True(InkIn(image, 0, 100, 22, 100, Rgb.White) > 20, "vertical y label");
        Assert.True(Enumerable.Range(0, 300).Sum(y => Enumerable.Range(0, 400).Count(x => image[x, y] == red)) > 100, "red series");

        Assert.Throws<LatentSharpException>(() => new LinePlot { Series = [new PlotSeries("empty", [(1, double.NaN)])] }.Render());
    }

    [Fact]
    public void AxisTicksAreRound()
    {
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1.0], AxisTicks.Linear(0.03, 0.97));
        Assert.Equal([0, 5, 10, 15], AxisTicks.Linear(1, 15));
        Assert.Equal([0.01, 0.1, 1], AxisTicks.Log(0.02, 0.9));
        Assert.Equal("0.25", AxisTicks.Label(0.25));
        Assert.Equal("1e-5", AxisTicks.Label(0.00001));
    }
}
