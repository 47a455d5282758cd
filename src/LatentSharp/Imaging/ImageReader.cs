using StbImageSharp;

namespace LatentSharp.Imaging;

/// <summary>
/// Decodes user images (PNG, JPEG, BMP, GIF's first frame, TGA; through StbImageSharp) to 8-bit RGB.
/// Transparency is composited over white, as AUTOMATIC1111 flattens uploads and as a drawing's
/// transparent canvas is usually meant to look. The size is checked from the header before any pixel
/// memory is allocated; every failure is one <see cref="LatentSharpException"/> line naming the file.
/// EXIF orientation in JPEGs is not applied.
/// </summary>
public static class ImageReader
{
    public static RgbImage Read(string path)
    {
        byte[] bytes = ReadFile(path);
        var (width, height) = HeaderSize(path, bytes);
        if (width > RgbImage.MaxSide || height > RgbImage.MaxSide)
            throw new LatentSharpException($"{path}: image is {width}x{height}; the largest side LatentSharp reads is {RgbImage.MaxSide} px");
        ImageResult decoded;
        try
        {
            decoded = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlueAlpha);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unreadable(path, e.Message);
        }
        if (decoded.Width != width || decoded.Height != height)
            throw Unreadable(path, "decoded size differs from the header");
        return OverWhite(decoded);
    }

    static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new LatentSharpException($"{path}: file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LatentSharpException($"{path}: cannot read ({OneLine(e.Message)})");
        }
    }

    static (int Width, int Height) HeaderSize(string path, byte[] bytes)
    {
        ImageInfo? info;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            info = ImageInfo.FromStream(stream);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unreadable(path, e.Message);
        }
        if (info is not { Width: > 0, Height: > 0 } known) throw Unreadable(path, "unknown format or damaged header");
        return (known.Width, known.Height);
    }

    static RgbImage OverWhite(ImageResult rgba)
    {
        var image = new RgbImage(rgba.Width, rgba.Height);
        var src = rgba.Data;
        var dst = image.Pixels;
        for (int p = 0, s = 0, d = 0; p < rgba.Width * rgba.Height; p++, s += 4, d += 3)
        {
            int alpha = src[s + 3];
            for (int c = 0; c < 3; c++)
                dst[d + c] = (byte)((src[s + c] * alpha + 255 * (255 - alpha) + 127) / 255);
        }
        return image;
    }

    static LatentSharpException Unreadable(string path, string reason) =>
        new($"{path}: not a readable image ({OneLine(reason)})");

    static string OneLine(string s) => string.Join(' ', s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
