using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>The six shapes of the synthetic "shapes" data set.</summary>
public enum ShapeKind { Circle, Square, Triangle, Star, Cross, Ring }

/// <summary>The eight colours of the data set, and extra ones (pink) that only data sets asking for them contain.</summary>
public enum ShapeColor { Red, Green, Blue, Yellow, Purple, Orange, White, Black, Pink }

/// <summary>The two shape sizes of the data set ("small", "large" in captions).</summary>
public enum ShapeSize { Small, Large }

/// <summary>The cell of the 3×3 grid that holds the shape's centre, row by row from the top left.</summary>
public enum GridPosition { TopLeft, Top, TopRight, Left, Center, Right, BottomLeft, Bottom, BottomRight }

/// <summary>The attributes of one shapes image: what its canonical caption says.</summary>
public sealed record ShapeSpec(ShapeKind Shape, ShapeColor Color, ShapeColor Background, ShapeSize Size, GridPosition Position)
{
    /// <summary>"a {size} {color} {shape} {position phrase} on a {background} background" — the caption evaluation prompts use.</summary>
    public string CanonicalCaption =>
        $"a {ShapesVocabulary.Word(Size)} {ShapesVocabulary.Word(Color)} {ShapesVocabulary.Word(Shape)} {ShapesVocabulary.PositionPhrase(Position)} on a {ShapesVocabulary.Word(Background)} background";

    public bool IsHeldOut => ShapesVocabulary.IsHeldOut(Shape, Color);

    public void Validate()
    {
        if (Color == Background) throw new LatentSharpException($"the shape and the background cannot both be {ShapesVocabulary.Word(Color)}");
    }
}

/// <summary>
/// Where and how large a shape is drawn, in pixels of the output image: <see cref="Side"/> is the larger
/// side of its bounding box, (<see cref="CenterX"/>, <see cref="CenterY"/>) the centre of that box;
/// pixel (i, j) covers [i, i+1) × [j, j+1).
/// </summary>
public sealed record ShapeGeometry(double Side, double CenterX, double CenterY);
