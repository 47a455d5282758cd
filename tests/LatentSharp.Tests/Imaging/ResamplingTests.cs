using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class ResamplingTests
{
    static RgbImage Checkerboard(int size)
    {
        var image = new RgbImage(size, size);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                image[x, y] = (x + y) % 2 == 0 ? Rgb.White : Rgb.Black;
        return image;
    }

    [Theory]
    [InlineData(ResampleFilter.Bilinear)]
    [InlineData(ResampleFilter.Bicubic)]
    [InlineData(ResampleFilter.Lanczos)]
    public void AFlatImageStaysFlatAtAnySize(ResampleFilter filter)
    {
        var flat = new RgbImage(37, 23, new Rgb(10, 128, 250));
        foreach (var (w, h) in new[] { (100, 61), (8, 5), (37, 23) })
        {
            var resized = Resampling.Resize(flat, w, h, filter);
            Assert.Equal((w, h), (resized.Width, resized.Height));
            Assert.All(Enumerable.Range(0, w * h), i => Assert.Equal(new Rgb(10, 128, 250), resized[i % w, i / w]));
        }
    }

    [Theory]
    [InlineData(ResampleFilter.Bilinear)]
    [InlineData(ResampleFilter.Bicubic)]
    [InlineData(ResampleFilter.Lanczos)]
    public void ShrinkingAveragesInsteadOfAliasing(ResampleFilter filter)
    {
        // A point sampler would return all white or all black; an antialiased one returns grey.
        var small = Resampling.Resize(Checkerboard(64), 16, 16, filter);
        Assert.All(Enumerable.Range(2, 12), i => Assert.InRange((int)small[i, i].R, 118, 137));
    }

    [Fact]
    public void CenterCropTakesTheMiddle()
    {
        var image = new RgbImage(10, 6);
        image[4, 2] = new Rgb(1, 2, 3);
        var crop = Resampling.CenterCrop(image, 4, 2);
        Assert.Equal((4, 2), (crop.Width, crop.Height));
        Assert.Equal(new Rgb(1, 2, 3), crop[1, 0]);
        Assert.Throws<LatentSharpException>(() => Resampling.CenterCrop(image, 11, 2));
    }

    [Fact]
    public void ResizeAndCenterCropCoversTheTarget()
    {
        var wide = new RgbImage(300, 100, Rgb.White);
        var square = Resampling.ResizeAndCenterCrop(wide, 64, 64);
        Assert.Equal((64, 64), (square.Width, square.Height));
        var tall = Resampling.ResizeAndCenterCrop(new RgbImage(50, 200), 64, 32);
        Assert.Equal((64, 32), (tall.Width, tall.Height));
    }
}
