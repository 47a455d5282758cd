namespace LatentSharp.Imaging;

/// <summary>
/// An 8-bit RGB image: rows top to bottom, pixels left to right, three bytes (R, G, B) per pixel,
/// no padding — the layout PNG, stb_image and numpy's HWC arrays use.
/// </summary>
public sealed class RgbImage
{
    /// <summary>The largest side the library allocates; larger inputs are refused before decoding.</summary>
    public const int MaxSide = 16384;

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Width × Height × 3 bytes, row-major RGB.</summary>
    public byte[] Pixels { get; }

    /// <summary>A black image.</summary>
    public RgbImage(int width, int height)
        : this(width, height, new byte[CheckedLength(width, height)]) { }

    /// <summary>An image of one colour.</summary>
    public RgbImage(int width, int height, Rgb fill) : this(width, height) => Fill(fill);

    /// <summary>An image over <paramref name="pixels"/> (not copied): width × height × 3 bytes, row-major RGB.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        int length = CheckedLength(width, height);
        if (pixels.Length != length)
            throw new ArgumentException($"a {width}x{height} RGB image needs {length} bytes, got {pixels.Length}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    static int CheckedLength(int width, int height)
    {
        if (width < 1 || height < 1 || width > MaxSide || height > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is outside 1..{MaxSide} per side");
        return checked(width * height * 3);
    }

    /// <summary>The pixel in column <paramref name="x"/>, row <paramref name="y"/> (from the top left).</summary>
    public Rgb this[int x, int y]
    {
        get
        {
            int i = Offset(x, y);
            return new Rgb(Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
        set
        {
            int i = Offset(x, y);
            Pixels[i] = value.R;
            Pixels[i + 1] = value.G;
            Pixels[i + 2] = value.B;
        }
    }

    int Offset(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x}, {y}) is outside {Width}x{Height}");
        return (y * Width + x) * 3;
    }

    /// <summary>Whether (x, y) is a pixel of the image.</summary>
    public bool Contains(int x, int y) => (uint)x < (uint)Width && (uint)y < (uint)Height;

    /// <summary>Sets every pixel to <paramref name="colour"/>.</summary>
    public void Fill(Rgb colour)
    {
        for (int i = 0; i < Pixels.Length; i += 3)
        {
            Pixels[i] = colour.R;
            Pixels[i + 1] = colour.G;
            Pixels[i + 2] = colour.B;
        }
    }

    /// <summary>Reads a PNG, JPEG, BMP, GIF or TGA file (see <see cref="ImageReader"/>), e.g. the input of image-to-image.</summary>
    public static RgbImage Load(string path) => ImageReader.Read(path);

    /// <summary>Writes the image as a PNG, atomically, with <paramref name="parameters"/> as its infotext when given.</summary>
    public void SaveAsPng(string path, GenerationParameters? parameters = null)
    {
        if (parameters is null) PngWriter.Write(path, this);
        else PngWriter.Write(path, this, parameters);
    }

    /// <summary>A copy with its own pixels.</summary>
    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    /// <summary>Copies <paramref name="source"/> with its top-left corner at (x, y), clipped to this image.</summary>
    public void Paste(RgbImage source, int x, int y)
    {
        int x0 = Math.Max(0, x), x1 = Math.Min(Width, x + source.Width);
        if (x1 <= x0) return;
        for (int sy = 0; sy < source.Height; sy++)
        {
            int ty = y + sy;
            if (ty < 0 || ty >= Height) continue;
            Array.Copy(source.Pixels, (sy * source.Width + (x0 - x)) * 3, Pixels, (ty * Width + x0) * 3, (x1 - x0) * 3);
        }
    }

    /// <summary>The rectangle [x, x + width) × [y, y + height), which must lie inside the image.</summary>
    public RgbImage Crop(int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > Width || y + height > Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"crop {width}x{height}+{x}+{y} is outside {Width}x{Height}");
        var result = new RgbImage(width, height);
        for (int row = 0; row < height; row++)
            Array.Copy(Pixels, ((y + row) * Width + x) * 3, result.Pixels, row * width * 3, width * 3);
        return result;
    }
}
