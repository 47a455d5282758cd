using SkiaSharp;

namespace LatentSharp.Imaging;

/// <summary>
/// The sans-serif typeface of plots and grid captions, found among the fonts installed on the machine at run
/// time: the repository ships no font file. Skia's font manager (the NoDependencies build reads the font
/// folders such as /usr/share/fonts directly, no fontconfig needed) is asked for a few common families in
/// order, then for any family at all. On a machine with no font (a bare Debian or container image has none),
/// pictures still come out without their text, and <see cref="Warn"/> is told once, naming the fix.
/// </summary>
internal static class SystemFont
{
    /// <summary>Families tried first, in order: Debian's default, then metric-compatible and common ones.</summary>
    internal static readonly string[] Preferred = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI", "Open Sans"];

    public const string MissingMessage =
        "warning: no font found on this machine, so plots and image grids are drawn without their text; " +
        "install one (Debian/Ubuntu: apt-get install fonts-dejavu-core)";

    /// <summary>Receives <see cref="MissingMessage"/>, once, when text is first needed and no font is installed. Default: standard error.</summary>
    public static Action<string> Warn { get; set; } = message => Console.Error.WriteLine(message);

    static readonly Lazy<SKTypeface> Found = new(Find);

    /// <summary>The typeface text is drawn with (Skia's empty default when <see cref="Available"/> is false).</summary>
    public static SKTypeface Typeface => Found.Value;

    /// <summary>The same family in bold (the regular face when there is no bold one), for titles.</summary>
    public static SKTypeface Bold => FoundBold.Value;

    static readonly Lazy<SKTypeface> FoundBold = new(() =>
        Available && SKFontManager.Default.MatchFamily(Typeface.FamilyName, SKFontStyle.Bold) is { GlyphCount: > 0 } bold ? bold : Typeface);

    /// <summary>Its family name, as ScottPlot's font setting takes it.</summary>
    public static string FamilyName => Typeface.FamilyName;

    /// <summary>False when the machine has no usable font, so text cannot be drawn.</summary>
    public static bool Available => Typeface.GlyphCount > 0;

    static SKTypeface Find()
    {
        var manager = SKFontManager.Default;
        var typeface = Choose(manager.FontFamilies, family => manager.MatchFamily(family, SKFontStyle.Normal));
        if (typeface != null) return typeface;
        Warn(MissingMessage);
        return SKTypeface.Default;
    }

    /// <summary>
    /// The first of the <see cref="Preferred"/> families that is installed, else the first installed family in
    /// name order, that can draw letters and digits; null when none can.
    /// </summary>
    internal static SKTypeface? Choose(IEnumerable<string> installed, Func<string, SKTypeface?> match)
    {
        var names = installed.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var family in Preferred.Where(names.Contains).Concat(names.Order(StringComparer.Ordinal)))
            if (match(family) is { GlyphCount: > 0 } typeface && typeface.ContainsGlyphs("Aa0"))
                return typeface;
        return null;
    }
}
