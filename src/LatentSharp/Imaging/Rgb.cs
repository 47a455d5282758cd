using System.Globalization;

namespace LatentSharp.Imaging;

/// <summary>An 8-bit sRGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Parses "#RRGGBB" (the leading '#' is optional).</summary>
    public static Rgb FromHex(string hex)
    {
        string h = hex.StartsWith('#') ? hex[1..] : hex;
        if (h.Length != 6 || !int.TryParse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int v))
            throw new ArgumentException($"not an #RRGGBB colour: '{hex}'", nameof(hex));
        return new Rgb((byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }

    /// <summary>Squared Euclidean distance in RGB, the metric the shapes judge uses to name colours.</summary>
    public int DistanceSquared(Rgb other)
    {
        int dr = R - other.R, dg = G - other.G, db = B - other.B;
        return dr * dr + dg * dg + db * db;
    }

    /// <summary>Linear mix: <paramref name="t"/> = 0 gives this colour, 1 gives <paramref name="other"/>.</summary>
    public Rgb Lerp(Rgb other, double t) => new(
        (byte)Math.Round(R + (other.R - R) * t),
        (byte)Math.Round(G + (other.G - G) * t),
        (byte)Math.Round(B + (other.B - B) * t));

    public static readonly Rgb Black = new(0, 0, 0);
    public static readonly Rgb White = new(255, 255, 255);
}
