using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>
/// Reads a shapes image (generated or ground truth) and says which attributes it shows, by plain image
/// analysis with fixed rules, so a verdict can be explained and is the same on every run:
/// <list type="number">
/// <item>background: the palette colour most border pixels are nearest to;</item>
/// <item>object: the largest blob of pixels far from the background (<see cref="ObjectSegmentation"/>);</item>
/// <item>colour: the palette colour whose mixes with the background best explain the blob's pixels;</item>
/// <item>position and size: the blob's bounding box — its centre's third of the image in x and y, and its
///   longer side against the midpoint between the small (≤ 18 px) and large (≥ 26 px) ranges;</item>
/// <item>shape: a short decision list over <see cref="ShapeFeatures"/> (see <see cref="DecideShape"/>).</item>
/// </list>
/// Geometry thresholds are for 64×64 and scale with the image width.
/// </summary>
internal static class ShapesJudge
{
    /// <summary>Blobs smaller than this (at 64 px) are specks, not an object; the smallest star covers about 70 px.</summary>
    const double MinObjectArea = 20;

    /// <summary>Between the largest small (18 px) and the smallest large (26 px) shape.</summary>
    const double SizeThreshold = (ShapesDataset.SmallMax + ShapesDataset.LargeMin) / 2;

    public static ShapesVerdict Judge(RgbImage image)
    {
        double scale = image.Width / (double)ShapesDataset.ReferenceSize;
        var segmentation = ObjectSegmentation.Of(image);
        if (segmentation.Object is not { } blob || segmentation.Area < MinObjectArea * scale * scale)
            return ShapesVerdict.NothingFound(segmentation.Background, segmentation.BackgroundAgreement);

        var box = BoundingBox(blob, image.Width, image.Height);
        var (color, colourAgreement) = ObjectColour(image, segmentation, blob);
        var features = ShapeFeatures.Measure(blob, image.Width, box);
        double cx = box.X + box.Width / 2.0, cy = box.Y + box.Height / 2.0;
        return new ShapesVerdict
        {
            Found = true,
            Background = segmentation.Background,
            Color = color,
            Shape = DecideShape(features),
            Size = Math.Max(box.Width, box.Height) < SizeThreshold * scale ? ShapeSize.Small : ShapeSize.Large,
            Position = ShapesVocabulary.FromCell(Third(cx, image.Width), Third(cy, image.Height)),
            CenterX = cx,
            CenterY = cy,
            Box = box,
            Features = features,
            Confidence = segmentation.BackgroundAgreement * colourAgreement,
        };
    }

    /// <summary>
    /// The shape from its features, most distinctive test first: a hole → ring; mass in the lower half
    /// (apex up) → triangle; not symmetric top to bottom (two legs, one point) → star; full corners →
    /// square; convex → circle; otherwise (concave, symmetric, empty corners) → cross.
    /// </summary>
    public static ShapeKind DecideShape(ShapeFeatures f)
    {
        if (f.Hole >= 0.04) return ShapeKind.Ring;
        if (f.TopMass <= 0.38) return ShapeKind.Triangle;
        if (f.Mirror < 0.86) return ShapeKind.Star;
        if (f.CornerFill >= 0.5) return ShapeKind.Square;
        return f.Solidity >= 0.865 ? ShapeKind.Circle : ShapeKind.Cross;
    }

    static int Third(double centre, int extent) => Math.Clamp((int)(3 * centre / extent), 0, 2);

    static (int X, int Y, int Width, int Height) BoundingBox(bool[] blob, int width, int height)
    {
        int left = width, top = height, right = -1, bottom = -1;
        for (int i = 0; i < blob.Length; i++)
        {
            if (!blob[i]) continue;
            int x = i % width, y = i / width;
            left = Math.Min(left, x); right = Math.Max(right, x);
            top = Math.Min(top, y); bottom = Math.Max(bottom, y);
        }
        return (left, top, right - left + 1, bottom - top + 1);
    }

    /// <summary>
    /// The object's colour from its core: the per-channel median of the blob pixels farthest from the
    /// background (the top quarter by distance), named by the palette colour that best explains it as a
    /// mix with the measured background. A mix is allowed because a thin stroke never reaches full cover
    /// once blurred (a blurred yellow ring on black is darker yellow, nearer plain orange); the penalty for
    /// partial cover keeps a clear colour from being read as a faint one farther along the same line
    /// (orange on red lies near the red–yellow line). Agreement is the share of core pixels whose own
    /// best explanation is the same colour.
    /// </summary>
    static (ShapeColor Colour, double Agreement) ObjectColour(RgbImage image, ObjectSegmentation s, bool[] blob)
    {
        var byDistance = Enumerable.Range(0, blob.Length).Where(i => blob[i]).OrderByDescending(i => s.Distance[i]).ToList();
        var core = byDistance.Take(Math.Max(1, byDistance.Count / 4))
            .Select(i => new Rgb(image.Pixels[3 * i], image.Pixels[3 * i + 1], image.Pixels[3 * i + 2])).ToList();
        var candidates = ShapesVocabulary.AllColors.Where(c => c != s.Background).ToArray();
        ShapeColor Explain(Rgb pixel) => candidates.MinBy(c => ShapesPalette.MixCost(pixel, s.MeasuredBackground, ShapesVocabulary.Rgb(c)));
        var colour = Explain(ShapesPalette.MedianColour(core));
        return (colour, core.Count(p => Explain(p) == colour) / (double)core.Count);
    }
}
