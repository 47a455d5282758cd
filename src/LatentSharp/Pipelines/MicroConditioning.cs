using System.Globalization;

namespace LatentSharp.Pipelines;

/// <summary>An image size in pixels, written WIDTHxHEIGHT (SDXL's original_size / target_size, which diffusers orders (h, w)).</summary>
public readonly record struct PixelSize(int Width, int Height)
{
    /// <summary>"1024x768" → (1024, 768); null when the text is not two positive integers joined by 'x'.</summary>
    public static PixelSize? TryParse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        return parts.Length == 2 && Positive(parts[0]) is int w && Positive(parts[1]) is int h ? new PixelSize(w, h) : null;
    }

    public override string ToString() => $"{Width}x{Height}";

    static int? Positive(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : null;
}

/// <summary>The top-left corner of a crop in pixels, written TOP,LEFT (SDXL's crops_coords_top_left).</summary>
public readonly record struct CropOffset(int Top, int Left)
{
    /// <summary>"0,256" → (0, 256); null when the text is not two non-negative integers joined by ','.</summary>
    public static CropOffset? TryParse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && NonNegative(parts[0]) is int top && NonNegative(parts[1]) is int left ? new CropOffset(top, left) : null;
    }

    public override string ToString() => $"{Top},{Left}";

    static int? NonNegative(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null;
}
