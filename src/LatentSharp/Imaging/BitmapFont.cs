namespace LatentSharp.Imaging;

/// <summary>
/// A built-in 5×7 pixel font for printable ASCII (g, j, p, q, y descend two rows below), so grids and
/// plots can carry text with no system fonts and no native libraries. Each glyph sits in a 6×10 cell and
/// is drawn at an integer scale. Characters outside ASCII 32–126 are drawn as '?'.
/// </summary>
public static class BitmapFont
{
    public const int GlyphWidth = 5;

    /// <summary>Rows from the top of a capital letter to its baseline.</summary>
    public const int CapHeight = 7;

    /// <summary>Rows including the descenders.</summary>
    public const int GlyphHeight = CapHeight + 2;
    public const int CellWidth = GlyphWidth + 1;
    public const int CellHeight = GlyphHeight + 1;

    /// <summary>Distance between the tops of wrapped lines, in unscaled pixels.</summary>
    public const int LineHeight = CellHeight + 1;

    // Glyphs for ' ' (32) to '~' (126): rows of five pixels, '#' set, '.' clear; seven rows down to the
    // baseline, or nine for letters with descenders.
    static readonly string[] Glyphs =
    [
        "..... ..... ..... ..... ..... ..... .....", // space
        "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..", // !
        ".#.#. .#.#. .#.#. ..... ..... ..... .....", // "
        ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.", // #
        "..#.. .#### #.#.. .###. ..#.# ####. ..#..", // $
        "##... ##..# ...#. ..#.. .#... #..## ...##", // %
        ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#", // &
        "..#.. ..#.. .#... ..... ..... ..... .....", // '
        "...#. ..#.. .#... .#... .#... ..#.. ...#.", // (
        ".#... ..#.. ...#. ...#. ...#. ..#.. .#...", // )
        "..... ..#.. #.#.# .###. #.#.# ..#.. .....", // *
        "..... ..#.. ..#.. ##### ..#.. ..#.. .....", // +
        "..... ..... ..... ..... .##.. ..#.. .#...", // ,
        "..... ..... ..... ##### ..... ..... .....", // -
        "..... ..... ..... ..... ..... .##.. .##..", // .
        "..... ....# ...#. ..#.. .#... #.... .....", // /
        ".###. #...# #..## #.#.# ##..# #...# .###.", // 0
        "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.", // 1
        ".###. #...# ....# ...#. ..#.. .#... #####", // 2
        "##### ...#. ..#.. ...#. ....# #...# .###.", // 3
        "...#. ..##. .#.#. #..#. ##### ...#. ...#.", // 4
        "##### #.... ####. ....# ....# #...# .###.", // 5
        "..##. .#... #.... ####. #...# #...# .###.", // 6
        "##### ....# ...#. ..#.. .#... .#... .#...", // 7
        ".###. #...# #...# .###. #...# #...# .###.", // 8
        ".###. #...# #...# .#### ....# ...#. .##..", // 9
        "..... .##.. .##.. ..... .##.. .##.. .....", // :
        "..... .##.. .##.. ..... .##.. ..#.. .#...", // ;
        "...#. ..#.. .#... #.... .#... ..#.. ...#.", // <
        "..... ..... ##### ..... ##### ..... .....", // =
        ".#... ..#.. ...#. ....# ...#. ..#.. .#...", // >
        ".###. #...# ....# ...#. ..#.. ..... ..#..", // ?
        ".###. #...# ....# .##.# #.#.# #.#.# .###.", // @
        ".###. #...# #...# ##### #...# #...# #...#", // A
        "####. #...# #...# ####. #...# #...# ####.", // B
        ".###. #...# #.... #.... #.... #...# .###.", // C
        "###.. #..#. #...# #...# #...# #..#. ###..", // D
        "##### #.... #.... ####. #.... #.... #####", // E
        "##### #.... #.... ####. #.... #.... #....", // F
        ".###. #...# #.... #.### #...# #...# .####", // G
        "#...# #...# #...# ##### #...# #...# #...#", // H
        ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.", // I
        "..### ...#. ...#. ...#. ...#. #..#. .##..", // J
        "#...# #..#. #.#.. ##... #.#.. #..#. #...#", // K
        "#.... #.... #.... #.... #.... #.... #####", // L
        "#...# ##.## #.#.# #.#.# #...# #...# #...#", // M
        "#...# #...# ##..# #.#.# #..## #...# #...#", // N
        ".###. #...# #...# #...# #...# #...# .###.", // O
        "####. #...# #...# ####. #.... #.... #....", // P
        ".###. #...# #...# #...# #.#.# #..#. .##.#", // Q
        "####. #...# #...# ####. #.#.. #..#. #...#", // R
        ".#### #.... #.... .###. ....# ....# ####.", // S
        "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..", // T
        "#...# #...# #...# #...# #...# #...# .###.", // U
        "#...# #...# #...# #...# #...# .#.#. ..#..", // V
        "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.", // W
        "#...# #...# .#.#. ..#.. .#.#. #...# #...#", // X
        "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..", // Y
        "##### ....# ...#. ..#.. .#... #.... #####", // Z
        ".###. .#... .#... .#... .#... .#... .###.", // [
        "..... #.... .#... ..#.. ...#. ....# .....", // backslash
        ".###. ...#. ...#. ...#. ...#. ...#. .###.", // ]
        "..#.. .#.#. #...# ..... ..... ..... .....", // ^
        "..... ..... ..... ..... ..... ..... #####", // _
        ".#... ..#.. ...#. ..... ..... ..... .....", // `
        "..... ..... .###. ....# .#### #...# .####", // a
        "#.... #.... #.##. ##..# #...# #...# ####.", // b
        "..... ..... .###. #.... #.... #...# .###.", // c
        "....# ....# .##.# #..## #...# #...# .####", // d
        "..... ..... .###. #...# ##### #.... .###.", // e
        "..##. .#..# .#... ###.. .#... .#... .#...", // f
        "..... ..... .#### #...# #...# #...# .#### ....# .###.", // g
        "#.... #.... #.##. ##..# #...# #...# #...#", // h
        "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.", // i
        "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..", // j
        "#.... #.... #..#. #.#.. ##... #.#.. #..#.", // k
        ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.", // l
        "..... ..... ##.#. #.#.# #.#.# #...# #...#", // m
        "..... ..... #.##. ##..# #...# #...# #...#", // n
        "..... ..... .###. #...# #...# #...# .###.", // o
        "..... ..... ####. #...# #...# #...# ####. #.... #....", // p
        "..... ..... .#### #...# #...# #...# .#### ....# ....#", // q
        "..... ..... #.##. ##..# #.... #.... #....", // r
        "..... ..... .###. #.... .###. ....# ####.", // s
        ".#... .#... ###.. .#... .#... .#..# ..##.", // t
        "..... ..... #...# #...# #...# #..## .##.#", // u
        "..... ..... #...# #...# #...# .#.#. ..#..", // v
        "..... ..... #...# #...# #.#.# #.#.# .#.#.", // w
        "..... ..... #...# .#.#. ..#.. .#.#. #...#", // x
        "..... ..... #...# #...# #...# #...# .#### ....# .###.", // y
        "..... ..... ##### ...#. ..#.. .#... #####", // z
        "...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.", // {
        "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..", // |
        ".#... ..#.. ..#.. ...#. ..#.. ..#.. .#...", // }
        "..... ..... .#... #.#.# ...#. ..... .....", // ~
    ];

    /// <summary>Bit (GlyphWidth − 1 − x) of Rows[c][y] is pixel (x, y) of character c.</summary>
    static readonly byte[][] Rows = Glyphs.Select(ParseGlyph).ToArray();

    static byte[] ParseGlyph(string glyph)
    {
        var rows = glyph.Split(' ');
        if ((rows.Length != CapHeight && rows.Length != GlyphHeight) || rows.Any(r => r.Length != GlyphWidth))
            throw new InvalidOperationException($"bad glyph data '{glyph}'");
        return rows.Select(r => (byte)r.Aggregate(0, (bits, ch) => (bits << 1) | (ch == '#' ? 1 : 0)))
            .Concat(new byte[GlyphHeight - rows.Length]).ToArray();
    }

    public static bool IsSet(char c, int x, int y)
    {
        int index = c is >= ' ' and <= '~' ? c - ' ' : '?' - ' ';
        return (Rows[index][y] >> (GlyphWidth - 1 - x) & 1) != 0;
    }

    /// <summary>Width in pixels of one line of text (without the spacing after the last glyph).</summary>
    public static int MeasureWidth(string text, int scale = 1) =>
        text.Length == 0 ? 0 : (text.Length * CellWidth - 1) * scale;

    /// <summary>How many characters fit in <paramref name="pixels"/> at this scale.</summary>
    public static int CharsThatFit(int pixels, int scale = 1) => Math.Max(0, (pixels / scale + 1) / CellWidth);

    /// <summary>Draws one line with its top-left corner at (x, y); pixels outside the image are skipped.</summary>
    public static void Draw(RgbImage image, string text, int x, int y, Rgb colour, int scale = 1) =>
        DrawGlyphs(image, text, scale, colour, (gx, gy) => (x + gx, y + gy));

    /// <summary>Draws one line rotated a quarter turn counter-clockwise (reading bottom to top), its glyph tops facing left, starting at (x, y) and going up.</summary>
    public static void DrawVertical(RgbImage image, string text, int x, int y, Rgb colour, int scale = 1) =>
        DrawGlyphs(image, text, scale, colour, (gx, gy) => (x + gy, y - gx - (scale - 1)));

    static void DrawGlyphs(RgbImage image, string text, int scale, Rgb colour, Func<int, int, (int X, int Y)> place)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), "font scale must be at least 1");
        for (int i = 0; i < text.Length; i++)
            for (int gy = 0; gy < GlyphHeight; gy++)
                for (int gx = 0; gx < GlyphWidth; gx++)
                    if (IsSet(text[i], gx, gy))
                        FillScaledPixel(image, place((i * CellWidth + gx) * scale, gy * scale), scale, colour);
    }

    static void FillScaledPixel(RgbImage image, (int X, int Y) origin, int scale, Rgb colour)
    {
        for (int dy = 0; dy < scale; dy++)
            for (int dx = 0; dx < scale; dx++)
                if (image.Contains(origin.X + dx, origin.Y + dy)) image[origin.X + dx, origin.Y + dy] = colour;
    }
}
