using SkiaSharp;

namespace LatentSharp.Imaging;

/// <summary>
/// Text under and beside grid cells, set in <see cref="SystemFont"/>: wrapped at spaces to a width in pixels
/// (measured with the font, so proportional glyphs fill the line) and cut with "…" when it needs more lines
/// than it is given.
/// </summary>
internal sealed class CaptionText : IDisposable
{
    readonly string ellipsis;

    readonly SKFont font;
    readonly SKPaint paint;

    public CaptionText(float size, Rgb colour, bool bold = false)
    {
        // Full hinting on whole pixels: small text stays crisp (subpixel positioning greyed it at 12 px).
        font = new SKFont(bold ? SystemFont.Bold : SystemFont.Typeface, size) { Edging = SKFontEdging.Antialias, Subpixel = false, Hinting = SKFontHinting.Full };
        paint = new SKPaint { Color = SkiaBitmaps.ToSkia(colour), IsAntialias = true };
        ellipsis = font.ContainsGlyphs("…") ? "…" : "...";
    }

    /// <summary>The distance from one baseline to the next, in pixels.</summary>
    public int LineHeight => (int)Math.Ceiling(font.Spacing);

    public float Measure(string text) => font.MeasureText(text);

    /// <summary>
    /// Splits <paramref name="text"/> into at most <paramref name="maxLines"/> lines no wider than
    /// <paramref name="maxWidth"/> pixels, breaking at spaces (a word wider than a line is cut between letters).
    /// </summary>
    public IReadOnlyList<string> Wrap(string text, float maxWidth, int maxLines)
    {
        if (maxLines < 1 || maxWidth <= 0) return [];
        var lines = new List<string>();
        string current = "";
        foreach (var word in text.Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = current.Length == 0 ? word : $"{current} {word}";
            if (Measure(candidate) <= maxWidth) { current = candidate; continue; }
            if (current.Length > 0) lines.Add(current);
            current = word;
            while (current.Length > 1 && Measure(current) > maxWidth)
            {
                int fit = Math.Max(1, FittingPrefix(current, maxWidth));
                lines.Add(current[..fit]);
                current = current[fit..];
            }
        }
        if (current.Length > 0) lines.Add(current);
        if (lines.Count <= maxLines) return lines;
        var kept = lines.Take(maxLines).ToList();
        kept[^1] = WithEllipsis(kept[^1], maxWidth);
        return kept;
    }

    int FittingPrefix(string text, float maxWidth)
    {
        int length = text.Length;
        while (length > 0 && Measure(text[..length]) > maxWidth) length--;
        return length;
    }

    string WithEllipsis(string line, float maxWidth)
    {
        string head = line;
        while (head.Length > 0 && Measure(head.TrimEnd() + ellipsis) > maxWidth) head = head[..^1];
        return head.TrimEnd() + ellipsis;
    }

    /// <summary>Draws lines one under the other; (x, top) is the top of the first line, aligned as asked.</summary>
    public void Draw(SKCanvas canvas, IReadOnlyList<string> lines, float x, float top, SKTextAlign align = SKTextAlign.Left)
    {
        if (!SystemFont.Available) return;
        float baseline = top - font.Metrics.Ascent;
        foreach (var line in lines)
        {
            canvas.DrawText(line, x, baseline, align, font, paint);
            baseline += LineHeight;
        }
    }

    public void Dispose()
    {
        font.Dispose();
        paint.Dispose();
    }
}
