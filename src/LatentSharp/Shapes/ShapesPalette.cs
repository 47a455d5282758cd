using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>Naming measured colours by the shapes palette.</summary>
static class ShapesPalette
{
    /// <summary>The palette colour nearest in RGB (ties go to the earlier palette entry).</summary>
    public static ShapeColor Nearest(Rgb colour) =>
        ShapesVocabulary.AllColors.MinBy(c => ShapesVocabulary.Rgb(c).DistanceSquared(colour));

    /// <summary>Weight of the partial-cover penalty in <see cref="MixCost"/>.</summary>
    const double PartialCoverPenalty = 0.25;

    /// <summary>
    /// How badly "this pixel is <paramref name="colour"/> covering part of <paramref name="background"/>"
    /// explains <paramref name="pixel"/>: the squared distance to the nearest mix, plus a penalty that
    /// grows with the uncovered share.
    /// </summary>
    public static double MixCost(Rgb pixel, Rgb background, Rgb colour)
    {
        double vr = colour.R - background.R, vg = colour.G - background.G, vb = colour.B - background.B;
        double pr = pixel.R - background.R, pg = pixel.G - background.G, pb = pixel.B - background.B;
        double length = vr * vr + vg * vg + vb * vb;
        double cover = length == 0 ? 0 : Math.Clamp((pr * vr + pg * vg + pb * vb) / length, 0, 1);
        double dr = pr - cover * vr, dg = pg - cover * vg, db = pb - cover * vb;
        return dr * dr + dg * dg + db * db + PartialCoverPenalty * (1 - cover) * (1 - cover) * length;
    }

    /// <summary>Per-channel median: robust to the few blended or noisy pixels a mean would follow.</summary>
    public static Rgb MedianColour(IReadOnlyList<Rgb> colours) => new(
        Median(colours.Select(c => c.R)), Median(colours.Select(c => c.G)), Median(colours.Select(c => c.B)));

    static byte Median(IEnumerable<byte> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }
}
