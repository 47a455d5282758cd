using LatentSharp.Imaging;
using static LatentSharp.Tests.Support.PictureAssert;

namespace LatentSharp.Tests.Imaging;

public class ImageGridTests
{
    static bool Ink(Rgb p) => p != Rgb.White;

    static List<RgbImage> Tiles(int count, int width = 64, int height = 48) =>
        Enumerable.Range(0, count).Select(i => new RgbImage(width, height, new Rgb((byte)(40 * i), 100, 200))).ToList();

    [Fact]
    public void GridHasTheMeasuredSizeTheImagesUntouchedAndTextInEveryLabelBand()
    {
        var tiles = Tiles(5);
        tiles[0][5, 5] = new Rgb(1, 2, 3);
        var style = new GridStyle();
        var labels = new GridLabels
        {
            ColumnHeaders = ["g=1", "g=7.5", "g=15"],
            RowHeaders = ["seed 1", "seed 2"],
            Captions = tiles.Select((_, i) => $"a very long prompt number {i} that has to wrap over several lines and be cut").ToList(),
        };
        var grid = ImageGrid.Compose(tiles, 3, labels, style);

        using var text = new CaptionText(style.FontSize, style.Text);
        int line = text.LineHeight, pad = style.Padding;
        int rowHeader = (int)Math.Ceiling(Math.Max(text.Measure("seed 1"), text.Measure("seed 2"))) + pad;
        int header = line + pad, caption = style.CaptionLines * line + pad / 2;
        Assert.Equal(pad + rowHeader + 3 * (64 + pad), grid.Width);
        Assert.Equal(pad + header + 2 * (48 + caption + pad), grid.Height);

        int cellX = pad + rowHeader, cellY = pad + header;
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++)
                Assert.Equal(tiles[0][x, y], grid[cellX + x, cellY + y]);
        Assert.True(Fraction(grid, Ink, cellX, pad, 64, header - pad) > 0.02, "column header");
        Assert.True(Fraction(grid, Ink, pad, cellY, rowHeader - pad, 48) > 0.02, "row header");
        Assert.True(Fraction(grid, Ink, cellX, cellY + 48, 64, caption) > 0.05, "caption");
        Assert.True(Fraction(grid, IsDark, cellX, cellY + 48, 64, caption) > 0.01, "caption text is dark");
        // Captions are wrapped to the cell's width: nothing is drawn in the gap between two columns.
        Assert.Equal(0, Fraction(grid, Ink, cellX + 64, cellY + 48, pad, caption));
        // The sixth cell is empty: no image, no caption.
        Assert.Equal(0, Fraction(grid, Ink, cellX + 2 * (64 + pad), cellY + 48 + caption + pad, 64, 48 + caption));
    }

    [Fact]
    public void ATitleAddsOneBoldLineOverTheGrid()
    {
        var tiles = Tiles(2);
        var plain = ImageGrid.Compose(tiles, 2);
        var titled = ImageGrid.Compose(tiles, 2, new GridLabels { Title = "a large red circle" });
        Assert.Equal(plain.Width, titled.Width);
        Assert.True(titled.Height > plain.Height + 10);
        int band = titled.Height - plain.Height;
        Assert.True(Fraction(titled, IsDark, 0, 0, titled.Width, band) > 0.03, "title text");
        Assert.Equal(0, Fraction(plain, Ink, 0, 0, plain.Width, 6));
    }

    [Fact]
    public void SmallerImagesAreCentredInTheirCells()
    {
        var images = new List<RgbImage> { new(40, 40, new Rgb(200, 0, 0)), new(20, 20, new Rgb(0, 0, 200)) };
        var grid = ImageGrid.Compose(images, 2, style: new GridStyle { Padding = 4 });
        Assert.Equal((4 + 2 * 44, 4 + 44), (grid.Width, grid.Height));
        // The second cell starts at x = padding + 40 + padding = 48; its 20-pixel image is 10 pixels in.
        int cell = 48;
        Assert.Equal(new Rgb(200, 0, 0), grid[4, 4]);
        Assert.Equal(new Rgb(200, 0, 0), grid[43, 43]);
        Assert.Equal(new Rgb(0, 0, 200), grid[cell + 10, 4 + 10]);
        Assert.Equal(new Rgb(0, 0, 200), grid[cell + 29, 4 + 29]);
        Assert.Equal(Rgb.White, grid[cell + 9, 4 + 10]);
        Assert.Equal(Rgb.White, grid[cell + 10, 4 + 9]);
        Assert.Equal(Rgb.White, grid[cell + 30, 4 + 29]);
        Assert.Equal(Rgb.White, grid[cell + 29, 4 + 30]);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Compose(Tiles(1), 0));
    }
}
