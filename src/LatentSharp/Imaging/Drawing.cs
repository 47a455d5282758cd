namespace LatentSharp.Imaging;

/// <summary>The few drawing primitives grids and plots need: rectangles, anti-aliased thick lines, text.</summary>
public static class Drawing
{
    /// <summary>Fills [x, x + width) × [y, y + height), clipped to the image.</summary>
    public static void FillRect(this RgbImage image, int x, int y, int width, int height, Rgb colour)
    {
        for (int py = Math.Max(0, y); py < Math.Min(image.Height, y + height); py++)
            for (int px = Math.Max(0, x); px < Math.Min(image.Width, x + width); px++)
                image[px, py] = colour;
    }

    /// <summary>A one-pixel outline of [x, x + width) × [y, y + height).</summary>
    public static void DrawRect(this RgbImage image, int x, int y, int width, int height, Rgb colour)
    {
        image.FillRect(x, y, width, 1, colour);
        image.FillRect(x, y + height - 1, width, 1, colour);
        image.FillRect(x, y, 1, height, colour);
        image.FillRect(x + width - 1, y, 1, height, colour);
    }

    /// <summary>
    /// A line of the given width between pixel-centre coordinates, anti-aliased: each pixel is blended
    /// by how far its centre lies from the segment (one pixel of soft edge).
    /// </summary>
    public static void DrawLine(this RgbImage image, double x0, double y0, double x1, double y1, Rgb colour, double width = 1)
    {
        double half = width / 2;
        int left = (int)Math.Floor(Math.Min(x0, x1) - half - 1), right = (int)Math.Ceiling(Math.Max(x0, x1) + half + 1);
        int top = (int)Math.Floor(Math.Min(y0, y1) - half - 1), bottom = (int)Math.Ceiling(Math.Max(y0, y1) + half + 1);
        for (int py = Math.Max(0, top); py <= Math.Min(image.Height - 1, bottom); py++)
            for (int px = Math.Max(0, left); px <= Math.Min(image.Width - 1, right); px++)
            {
                double coverage = Math.Clamp(half + 0.5 - DistanceToSegment(px, py, x0, y0, x1, y1), 0, 1);
                if (coverage > 0) image[px, py] = image[px, py].Lerp(colour, coverage);
            }
    }

    static double DistanceToSegment(double px, double py, double x0, double y0, double x1, double y1)
    {
        double dx = x1 - x0, dy = y1 - y0;
        double lengthSquared = dx * dx + dy * dy;
        double t = lengthSquared == 0 ? 0 : Math.Clamp(((px - x0) * dx + (py - y0) * dy) / lengthSquared, 0, 1);
        double cx = x0 + t * dx - px, cy = y0 + t * dy - py;
        return Math.Sqrt(cx * cx + cy * cy);
    }

    public static void DrawText(this RgbImage image, string text, int x, int y, Rgb colour, int scale = 1) =>
        BitmapFont.Draw(image, text, x, y, colour, scale);

    /// <summary>Draws lines of text one under the other, each centred on <paramref name="centreX"/>.</summary>
    public static void DrawCentredLines(this RgbImage image, IReadOnlyList<string> lines, int centreX, int y, Rgb colour, int scale = 1)
    {
        for (int i = 0; i < lines.Count; i++)
            BitmapFont.Draw(image, lines[i], centreX - BitmapFont.MeasureWidth(lines[i], scale) / 2, y + i * BitmapFont.LineHeight * scale, colour, scale);
    }
}
