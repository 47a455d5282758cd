using LatentSharp.Imaging;
using LatentSharp.Tests.Support;
using static LatentSharp.Tests.Support.PictureAssert;

namespace LatentSharp.Tests.Imaging;

public class HeatmapTests
{
    static bool Yellow(Rgb p) => p.R > 200 && p.G > 200 && p.B < 100;   // viridis' top
    static bool Purple(Rgb p) => p.R < 90 && p.G < 30 && p.B > 60;      // viridis' bottom

    [Fact]
    public void RowZeroIsDrawnOnTopAndColumnZeroOnTheLeft()
    {
        using var temp = new TempFolder();
        new Heatmap
        {
            Title = "test", Labels = ["a", "b", "c"],
            Values = new double[,] { { 9, 5, 5 }, { 5, 5, 5 }, { 5, 5, 0 } },
        }.Save(temp["map.png"]);
        var image = ImageReader.Read(temp["map.png"]);   // not IsChart: a heatmap is mostly ink
        Assert.Equal((760, 640), (image.Width, image.Height));
        int w = image.Width / 2, h = image.Height / 2;
        Assert.True(Fraction(image, Yellow, 0, 0, w, h) > 0.05, "the largest value, top left");
        Assert.True(Fraction(image, Yellow, w, h, w, h) < 0.01, "nothing large bottom right");
        Assert.True(Fraction(image, Purple, w, h, w, h) > 0.05, "the smallest value, bottom right");
        Assert.True(Fraction(image, Purple, 0, 0, w, h) < 0.01, "nothing small top left");
    }

    [Fact]
    public void AMatrixThatDoesNotFitTheLabelsIsRefused() =>
        Assert.Throws<ArgumentException>(() => new Heatmap { Labels = ["a", "b"], Values = new double[3, 3] }.ToPlot());
}
