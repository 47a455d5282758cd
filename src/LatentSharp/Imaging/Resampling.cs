namespace LatentSharp.Imaging;

/// <summary>The filter kernel <see cref="Resampling.Resize"/> resamples with.</summary>
public enum ResampleFilter
{
    /// <summary>Triangle (tent) filter: bilinear when enlarging, area-like averaging when shrinking.</summary>
    Bilinear,
    /// <summary>Keys cubic with a = −0.5, Pillow's BICUBIC.</summary>
    Bicubic,
    /// <summary>Windowed sinc with three lobes, Pillow's LANCZOS.</summary>
    Lanczos,
}

/// <summary>
/// Resizing and cropping for data preprocessing. Resizing is separable convolution in the manner of
/// Pillow's: when shrinking, the filter is stretched by the scale factor, so every source pixel
/// contributes (antialiasing, no aliasing from skipped pixels). Unlike Pillow the intermediate pass is
/// kept in floating point, so results are close to Pillow's but not bit-identical.
/// </summary>
public static class Resampling
{
    public static RgbImage Resize(RgbImage image, int width, int height, ResampleFilter filter = ResampleFilter.Bicubic)
    {
        if (width == image.Width && height == image.Height) return image.Clone();
        var horizontal = Pass(ToFloat(image), image.Width, image.Height, width, filter, horizontalPass: true);
        var both = Pass(horizontal, width, image.Height, height, filter, horizontalPass: false);
        return ToBytes(both, width, height);
    }

    /// <summary>Each pixel becomes a factor×factor block: enlarges small images for grids without blurring them.</summary>
    public static RgbImage ScaleNearest(RgbImage image, int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor));
        var result = new RgbImage(image.Width * factor, image.Height * factor);
        for (int y = 0; y < result.Height; y++)
            for (int x = 0; x < result.Width; x++)
                result[x, y] = image[x / factor, y / factor];
        return result;
    }

    public static RgbImage CenterCrop(RgbImage image, int width, int height)
    {
        if (width > image.Width || height > image.Height)
            throw new LatentSharpException($"cannot crop {width}x{height} out of a {image.Width}x{image.Height} image");
        return image.Crop((image.Width - width) / 2, (image.Height - height) / 2, width, height);
    }

    /// <summary>
    /// Scales the image so it covers <paramref name="width"/> × <paramref name="height"/> (shorter side to
    /// fit), then crops the centre: the usual preprocessing of a training image.
    /// </summary>
    public static RgbImage ResizeAndCenterCrop(RgbImage image, int width, int height, ResampleFilter filter = ResampleFilter.Bicubic)
    {
        double scale = Math.Max((double)width / image.Width, (double)height / image.Height);
        int scaledWidth = Math.Max(width, (int)Math.Round(image.Width * scale));
        int scaledHeight = Math.Max(height, (int)Math.Round(image.Height * scale));
        return CenterCrop(Resize(image, scaledWidth, scaledHeight, filter), width, height);
    }

    static float[] ToFloat(RgbImage image) => image.Pixels.Select(b => (float)b).ToArray();

    static RgbImage ToBytes(float[] values, int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int i = 0; i < values.Length; i++) image.Pixels[i] = (byte)Math.Clamp(MathF.Round(values[i]), 0, 255);
        return image;
    }

    /// <summary>Resamples along one axis; the other axis and the channels are unchanged.</summary>
    static float[] Pass(float[] source, int width, int height, int outSize, ResampleFilter filter, bool horizontalPass)
    {
        int inSize = horizontalPass ? width : height;
        var taps = Taps(inSize, outSize, filter);
        int outWidth = horizontalPass ? outSize : width, outHeight = horizontalPass ? height : outSize;
        var result = new float[outWidth * outHeight * 3];
        for (int y = 0; y < outHeight; y++)
            for (int x = 0; x < outWidth; x++)
            {
                var (first, weights) = taps[horizontalPass ? x : y];
                for (int c = 0; c < 3; c++)
                {
                    float sum = 0;
                    for (int k = 0; k < weights.Length; k++)
                    {
                        int sx = horizontalPass ? first + k : x, sy = horizontalPass ? y : first + k;
                        sum += weights[k] * source[(sy * width + sx) * 3 + c];
                    }
                    result[(y * outWidth + x) * 3 + c] = sum;
                }
            }
        return result;
    }

    /// <summary>For each output index: the first source index and the normalised filter weights.</summary>
    static (int First, float[] Weights)[] Taps(int inSize, int outSize, ResampleFilter filter)
    {
        double scale = (double)inSize / outSize;
        double stretch = Math.Max(scale, 1);
        double support = Support(filter) * stretch;
        var taps = new (int, float[])[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double centre = (i + 0.5) * scale;
            int first = Math.Max(0, (int)Math.Floor(centre - support + 0.5));
            int last = Math.Min(inSize, (int)Math.Floor(centre + support + 0.5));
            var weights = new double[Math.Max(1, last - first)];
            for (int k = 0; k < last - first; k++) weights[k] = Kernel(filter, (first + k + 0.5 - centre) / stretch);
            double total = weights.Sum();
            taps[i] = (first, weights.Select(w => (float)(total == 0 ? 0 : w / total)).ToArray());
        }
        return taps;
    }

    static double Support(ResampleFilter filter) => filter switch
    {
        ResampleFilter.Bilinear => 1,
        ResampleFilter.Bicubic => 2,
        _ => 3,
    };

    static double Kernel(ResampleFilter filter, double x) => filter switch
    {
        ResampleFilter.Bilinear => Math.Max(0, 1 - Math.Abs(x)),
        ResampleFilter.Bicubic => Cubic(Math.Abs(x)),
        _ => Math.Abs(x) < 3 ? Sinc(x) * Sinc(x / 3) : 0,
    };

    static double Cubic(double x)
    {
        const double a = -0.5;
        return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1
            : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
            : 0;
    }

    static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);
}
