using LatentSharp.Imaging;

namespace LatentSharp.Tests.Support;

/// <summary>Checks on the pictures the library draws: the size asked for, and really drawn (not blank, not one colour).</summary>
public static class PictureAssert
{
    /// <summary>
    /// A line chart PNG: <paramref name="width"/> × <paramref name="height"/>, mostly white background, and at
    /// least <paramref name="minColours"/> distinct saturated colours (the series) besides the greys of text and axes.
    /// </summary>
    public static RgbImage IsChart(string path, int width = 800, int height = 500, int minColours = 1)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var image = ImageReader.Read(path);
        Assert.Equal((width, height), (image.Width, image.Height));
        double ink = Fraction(image, p => p != Rgb.White);
        Assert.InRange(ink, 0.01, 0.6);
        Assert.True(Fraction(image, IsDark) > 0.002, "no text or axes (dark pixels)");
        Assert.True(SaturatedHues(image) >= minColours, $"expected at least {minColours} coloured series");
        return image;
    }

    public static double Fraction(RgbImage image, Func<Rgb, bool> which, int x = 0, int y = 0, int? width = null, int? height = null)
    {
        int w = width ?? image.Width, h = height ?? image.Height, count = 0;
        for (int py = y; py < y + h; py++)
            for (int px = x; px < x + w; px++)
                if (which(image[px, py])) count++;
        return count / (double)(w * h);
    }

    public static bool IsDark(Rgb p) => p.R + p.G + p.B < 3 * 110;

    /// <summary>Distinct hues (in 30° bins) among clearly coloured pixels, each bin counted when it has a few dozen pixels.</summary>
    static int SaturatedHues(RgbImage image)
    {
        var bins = new int[12];
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                int max = Math.Max(p.R, Math.Max(p.G, p.B)), min = Math.Min(p.R, Math.Min(p.G, p.B));
                if (max - min < 80) continue;
                bins[(int)(Hue(p, max, min) / 30) % 12]++;
            }
        return bins.Count(b => b >= 40);
    }

    static double Hue(Rgb p, int max, int min)
    {
        double d = max - min, h = max == p.R ? (p.G - p.B) / d : max == p.G ? 2 + (p.B - p.R) / d : 4 + (p.R - p.G) / d;
        return (h * 60 + 360) % 360;
    }
}
