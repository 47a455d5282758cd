using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>Which shape/colour pairs a <see cref="ShapesDataset"/> draws from.</summary>
public enum ShapesSplit
{
    /// <summary>Every pair except the held-out ones (the training data).</summary>
    Train,
    /// <summary>Only the held-out pairs (for evaluating composition).</summary>
    HeldOut,
    /// <summary>Every pair.</summary>
    All,
}

/// <summary>One generated example: its attributes, exact geometry, caption and pixels.</summary>
public sealed record ShapesSample(long Index, ShapeSpec Spec, ShapeGeometry Geometry, string Caption, RgbImage Image);

/// <summary>
/// The synthetic "shapes" data set: a flat background and one filled shape (circle, square, triangle,
/// star, cross or ring) in one of eight colours, small (bounding box 14–18 px) or large (26–32 px), centred
/// in one cell of a 3×3 grid ± 3 px, with a caption naming those attributes. Geometry is given for 64×64
/// and scaled for other sizes. Example i depends only on (seed, i), through <see cref="DeterministicRandom"/>.
/// <para>
/// One departure from "cell centre ± 3 px": a shape is kept fully inside the image with a
/// <see cref="EdgeMargin"/> px margin, so a large shape in an edge cell sits up to 7 px further in.
/// Its centre stays inside the right third of the image, so its position word is still true.
/// </para>
/// </summary>
public sealed class ShapesDataset
{
    public const int ReferenceSize = 64;
    public const double SmallMin = 14, SmallMax = 18, LargeMin = 26, LargeMax = 32;
    public const double CentreJitter = 3;
    public const double EdgeMargin = 2;

    /// <summary>Geometry is drawn in steps of a quarter pixel, so the metadata states it exactly.</summary>
    const double GeometryStep = 0.25;

    public ulong Seed { get; }
    public int ImageSize { get; }
    public ShapesSplit Split { get; }

    /// <summary>The colours shapes and backgrounds are drawn from (default: <see cref="ShapesVocabulary.Colors"/>).</summary>
    public IReadOnlyList<ShapeColor> Colors { get; }

    /// <summary>Share of captions that name only the row or only the column of the position (see <see cref="ShapesCaptions"/>); 0 by default.</summary>
    public double AxisCaptionShare
    {
        get => axisCaptionShare;
        init => axisCaptionShare = value is >= 0 and <= 1 ? value : throw new LatentSharpException($"the share of one-axis captions must be between 0 and 1 (got {value})");
    }
    readonly double axisCaptionShare;

    /// <summary>
    /// Share of captions that are the canonical caption (default <see cref="ShapesCaptions.CanonicalShare"/>, one half); the
    /// rest use every phrasing alike. Issue 12: a model trained on half canonical captions placed shapes right for 92% of
    /// canonical prompts and 44% of paraphrased ones, so position training wants fewer canonical captions.
    /// </summary>
    public double CanonicalCaptionShare
    {
        get => canonicalCaptionShare;
        init => canonicalCaptionShare = value is >= 0 and <= 1 ? value : throw new LatentSharpException($"the share of canonical captions must be between 0 and 1 (got {value})");
    }
    readonly double canonicalCaptionShare = ShapesCaptions.CanonicalShare;

    /// <summary>
    /// Probability that a shape is small; null draws small and large alike, as data sets made before the option did (the
    /// same draw, so their files stay byte for byte). Issue 12: a small shape's cell costs a third of a large one's in the
    /// loss and is learned later, so position training wants more of them.
    /// </summary>
    public double? SmallShare
    {
        get => smallShare;
        init => smallShare = value is null or (>= 0 and <= 1) ? value : throw new LatentSharpException($"the share of small shapes must be between 0 and 1 (got {value})");
    }
    readonly double? smallShare;

    /// <param name="colors">A palette other than the data set's eight colours (e.g. with pink added); the default gives the standard data set.</param>
    public ShapesDataset(ulong seed, int imageSize = ReferenceSize, ShapesSplit split = ShapesSplit.Train, IReadOnlyList<ShapeColor>? colors = null)
    {
        if (imageSize < 16 || imageSize > 2048) throw new LatentSharpException($"shapes image size must be between 16 and 2048 (got {imageSize})");
        if (colors is { Count: < 2 }) throw new LatentSharpException("a shapes palette needs at least two colours (shape and background differ)");
        Seed = seed;
        ImageSize = imageSize;
        Split = split;
        Colors = colors ?? ShapesVocabulary.Colors;
    }

    public IEnumerable<ShapesSample> Take(long count)
    {
        for (long i = 0; i < count; i++) yield return Get(i);
    }

    public ShapesSample Get(long index)
    {
        var random = DeterministicRandom.ForItem(Seed, (ulong)index);
        var spec = RandomSpec(random);
        var geometry = RandomGeometry(spec, random);
        string caption = ShapesCaptions.Compose(spec, random, AxisCaptionShare, CanonicalCaptionShare);
        return new ShapesSample(index, spec, geometry, caption, Render(spec, geometry, ImageSize));
    }

    public static IReadOnlyList<(ShapeKind Shape, ShapeColor Color)> HeldOutPairs => ShapesVocabulary.HeldOutPairs;

    ShapeSpec RandomSpec(DeterministicRandom random)
    {
        var (shape, color) = RandomPair(random);
        ShapeColor background;
        do background = random.Pick(Colors); while (background == color);
        var size = SmallShare is { } small ? (random.Chance(small) ? ShapeSize.Small : ShapeSize.Large) : random.Pick(ShapesVocabulary.Sizes);
        return new ShapeSpec(shape, color, background, size, random.Pick(ShapesVocabulary.Positions));
    }

    (ShapeKind, ShapeColor) RandomPair(DeterministicRandom random)
    {
        if (Split == ShapesSplit.HeldOut) return random.Pick(ShapesVocabulary.HeldOutPairs);
        while (true)
        {
            var shape = random.Pick(ShapesVocabulary.Shapes);
            var color = random.Pick(Colors);
            if (Split == ShapesSplit.All || !ShapesVocabulary.IsHeldOut(shape, color)) return (shape, color);
        }
    }

    ShapeGeometry RandomGeometry(ShapeSpec spec, DeterministicRandom random)
    {
        double side = spec.Size == ShapeSize.Small ? random.Uniform(SmallMin, SmallMax) : random.Uniform(LargeMin, LargeMax);
        double jitterX = random.Uniform(-CentreJitter, CentreJitter), jitterY = random.Uniform(-CentreJitter, CentreJitter);
        return PlaceInCell(spec.Position, Quantize(side), jitterX, jitterY, ImageSize);
    }

    /// <summary>
    /// The geometry of a shape of <paramref name="side"/> (in 64-px units) in a cell, moved by the jitter
    /// and then inward if it would come closer than the margin to an edge; scaled to the image size.
    /// </summary>
    public static ShapeGeometry PlaceInCell(GridPosition position, double side, double jitterX, double jitterY, int imageSize = ReferenceSize)
    {
        var (column, row) = ShapesVocabulary.Cell(position);
        double scale = imageSize / (double)ReferenceSize;
        double scaledSide = Quantize(side * scale);
        double lowest = Math.Ceiling((scaledSide / 2 + EdgeMargin * scale) / GeometryStep) * GeometryStep;
        double highest = Math.Floor((imageSize - scaledSide / 2 - EdgeMargin * scale) / GeometryStep) * GeometryStep;
        double cx = Math.Clamp(Quantize((CellCentre(column) + jitterX) * scale), lowest, highest);
        double cy = Math.Clamp(Quantize((CellCentre(row) + jitterY) * scale), lowest, highest);
        return new ShapeGeometry(scaledSide, cx, cy);
    }

    /// <summary>Centre of grid column or row 0, 1, 2 in 64-px units: 1/6, 3/6, 5/6 of the side.</summary>
    static double CellCentre(int index) => ReferenceSize * (2 * index + 1) / 6.0;

    static double Quantize(double v) => Math.Round(v / GeometryStep) * GeometryStep;

    /// <summary>
    /// Renders exactly the given attributes (any pair, held out or not) with the typical geometry: the
    /// middle of the size range, centred in its cell. For evaluation references.
    /// </summary>
    public static RgbImage Render(ShapeSpec spec, int imageSize = ReferenceSize)
    {
        double side = spec.Size == ShapeSize.Small ? (SmallMin + SmallMax) / 2 : (LargeMin + LargeMax) / 2;
        return Render(spec, PlaceInCell(spec.Position, side, 0, 0, imageSize), imageSize);
    }

    public static RgbImage Render(ShapeSpec spec, ShapeGeometry geometry, int imageSize = ReferenceSize)
    {
        spec.Validate();
        var image = new RgbImage(imageSize, imageSize, ShapesVocabulary.Rgb(spec.Background));
        ShapeRasterizer.Draw(image, spec.Shape, geometry, ShapesVocabulary.Rgb(spec.Color));
        return image;
    }
}
