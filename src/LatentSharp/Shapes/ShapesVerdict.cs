
namespace LatentSharp.Shapes;

/// <summary>
/// What <see cref="ShapesJudge"/> sees in an image. When <see cref="Found"/> is false no object stood out
/// from the background and only <see cref="Background"/> is meaningful.
/// </summary>
public sealed record ShapesVerdict
{
    public bool Found { get; init; }
    public ShapeColor Background { get; init; }
    public ShapeKind Shape { get; init; }
    public ShapeColor Color { get; init; }
    public ShapeSize Size { get; init; }
    public GridPosition Position { get; init; }

    /// <summary>Centre of the object's bounding box, in pixels.</summary>
    public double CenterX { get; init; }
    public double CenterY { get; init; }

    /// <summary>The object's pixel bounding box: left, top, width, height.</summary>
    public (int X, int Y, int Width, int Height) Box { get; init; }

    /// <summary>The measurements the shape was decided from, for explaining a verdict.</summary>
    public ShapeFeatures? Features { get; init; }

    /// <summary>
    /// 0–1: the share of border pixels that agree on the background colour times the share of the
    /// object's core pixels that agree on its colour. Low values mean a muddy or multi-coloured image.
    /// </summary>
    public double Confidence { get; init; }

    public static ShapesVerdict NothingFound(ShapeColor background, double backgroundAgreement) =>
        new() { Found = false, Background = background, Confidence = backgroundAgreement };

    /// <summary>Whether every attribute matches <paramref name="spec"/>.</summary>
    public bool Matches(ShapeSpec spec) =>
        Found && Shape == spec.Shape && Color == spec.Color && Background == spec.Background && Size == spec.Size && Position == spec.Position;
}
