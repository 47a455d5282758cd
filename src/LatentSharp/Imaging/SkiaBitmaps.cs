using System.Runtime.InteropServices;
using SkiaSharp;

namespace LatentSharp.Imaging;

/// <summary>
/// Copies between <see cref="RgbImage"/> (the library's 3-byte RGB) and SkiaSharp's opaque RGBA bitmaps, the
/// canvas grids and captions are drawn on. Pixels go through unchanged: no colour management, no resampling.
/// </summary>
internal static class SkiaBitmaps
{
    public static SKBitmap ToSkia(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = image.Pixels[i];
            rgba[j + 1] = image.Pixels[i + 1];
            rgba[j + 2] = image.Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    /// <summary>The bitmap's pixels as RGB; any colour type is converted through RGBA first.</summary>
    public static RgbImage FromSkia(SKBitmap bitmap)
    {
        using var rgbaBitmap = bitmap.ColorType == SKColorType.Rgba8888 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var source = rgbaBitmap ?? bitmap;
        var rgba = new byte[source.Width * source.Height * 4];
        Marshal.Copy(source.GetPixels(), rgba, 0, rgba.Length);
        var image = new RgbImage(source.Width, source.Height);
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            image.Pixels[i] = rgba[j];
            image.Pixels[i + 1] = rgba[j + 1];
            image.Pixels[i + 2] = rgba[j + 2];
        }
        return image;
    }

    public static SKColor ToSkia(Rgb colour) => new(colour.R, colour.G, colour.B);
}
