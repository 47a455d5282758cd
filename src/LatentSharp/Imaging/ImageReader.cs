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
    public static RgbImage Read(string path) => Decode(ReadFile(path), path);

    /// <summary>
    /// Decodes an image held in memory (an upload); <paramref name="source"/> names it in errors. A server passes a
    /// smaller <paramref name="maxSide"/> so a small compressed upload cannot make it allocate a huge bitmap.
    /// </summary>
    public static RgbImage Decode(byte[] bytes, string source, int maxSide = RgbImage.MaxSide)
    {
        var (width, height) = HeaderSize(source, bytes);
        if (width > maxSide || height > maxSide)
            throw new LatentSharpException($"{source}: image is {width}x{height}; the largest side LatentSharp reads is {maxSide} px");
        ImageResult decoded;
        try
        {
            decoded = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlueAlpha);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Unreadable(source, e.Message);
        }
        if (decoded.Width != width || decoded.Height != height)
            throw Unreadable(source, "decoded size differs from the header");
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
