using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>The words, colours and held-out combinations of the shapes data set (its specification in one place).</summary>
public static class ShapesVocabulary
{
    public static readonly IReadOnlyList<ShapeKind> Shapes = Enum.GetValues<ShapeKind>();
    /// <summary>The colours of the data set and of the shipped model (shapes and backgrounds).</summary>
    public static readonly IReadOnlyList<ShapeColor> Colors =
        [ShapeColor.Red, ShapeColor.Green, ShapeColor.Blue, ShapeColor.Yellow, ShapeColor.Purple, ShapeColor.Orange, ShapeColor.White, ShapeColor.Black];

    /// <summary>Colours outside the data set, for teaching a model something new (<c>sd data shapes --colors +pink</c>, a LoRA).</summary>
    public static readonly IReadOnlyList<ShapeColor> ExtraColors = [ShapeColor.Pink];

    /// <summary>Every colour the judge can name.</summary>
    public static readonly IReadOnlyList<ShapeColor> AllColors = [.. Colors, .. ExtraColors];
    public static readonly IReadOnlyList<ShapeSize> Sizes = Enum.GetValues<ShapeSize>();
    public static readonly IReadOnlyList<GridPosition> Positions = Enum.GetValues<GridPosition>();

    /// <summary>Shape/colour pairs never generated for training, to test whether a model composes words it has only seen apart.</summary>
    public static readonly IReadOnlyList<(ShapeKind Shape, ShapeColor Color)> HeldOutPairs =
    [
        (ShapeKind.Triangle, ShapeColor.Purple),
        (ShapeKind.Star, ShapeColor.Green),
        (ShapeKind.Ring, ShapeColor.Yellow),
        (ShapeKind.Square, ShapeColor.Orange),
        (ShapeKind.Cross, ShapeColor.White),
    ];

    public static bool IsHeldOut(ShapeKind shape, ShapeColor color) => HeldOutPairs.Contains((shape, color));

    public static Rgb Rgb(ShapeColor color) => color switch
    {
        ShapeColor.Red => new(0xDC, 0x28, 0x28),
        ShapeColor.Green => new(0x28, 0xAA, 0x3C),
        ShapeColor.Blue => new(0x28, 0x50, 0xDC),
        ShapeColor.Yellow => new(0xF0, 0xD2, 0x28),
        ShapeColor.Purple => new(0x8C, 0x3C, 0xB4),
        ShapeColor.Orange => new(0xF5, 0x8C, 0x1E),
        ShapeColor.White => new(0xF5, 0xF5, 0xF5),
        ShapeColor.Black => new(0x14, 0x14, 0x14),
        ShapeColor.Pink => new(0xFF, 0x69, 0xB4),
        _ => throw new ArgumentOutOfRangeException(nameof(color)),
    };

    public static string Word(ShapeKind shape) => shape.ToString().ToLowerInvariant();
    public static string Word(ShapeColor color) => color.ToString().ToLowerInvariant();
    public static string Word(ShapeSize size) => size.ToString().ToLowerInvariant();

    /// <summary>The position's name in metadata: "top_left", "top", …, "center", …, "bottom_right".</summary>
    public static string Slug(GridPosition position) => position switch
    {
        GridPosition.TopLeft => "top_left",
        GridPosition.TopRight => "top_right",
        GridPosition.BottomLeft => "bottom_left",
        GridPosition.BottomRight => "bottom_right",
        _ => position.ToString().ToLowerInvariant(),
    };

    /// <summary>The canonical phrase: "at the top left", "at the top", …, "in the center", …</summary>
    public static string PositionPhrase(GridPosition position) => position switch
    {
        GridPosition.TopLeft => "at the top left",
        GridPosition.Top => "at the top",
        GridPosition.TopRight => "at the top right",
        GridPosition.Left => "on the left",
        GridPosition.Center => "in the center",
        GridPosition.Right => "on the right",
        GridPosition.BottomLeft => "at the bottom left",
        GridPosition.Bottom => "at the bottom",
        GridPosition.BottomRight => "at the bottom right",
        _ => throw new ArgumentOutOfRangeException(nameof(position)),
    };

    /// <summary>Column (0–2, left to right) and row (0–2, top to bottom) of a grid position.</summary>
    public static (int Column, int Row) Cell(GridPosition position) => ((int)position % 3, (int)position / 3);

    public static GridPosition FromCell(int column, int row) => (GridPosition)(row * 3 + column);

    public static ShapeKind ParseShape(string word) => Parse<ShapeKind>(word, "shape");
    public static ShapeColor ParseColor(string word) => Parse<ShapeColor>(word, "colour");
    public static ShapeSize ParseSize(string word) => Parse<ShapeSize>(word, "size");
    public static GridPosition ParsePosition(string slug) => Parse<GridPosition>(slug.Replace("_", ""), "position");

    static T Parse<T>(string word, string what) where T : struct, Enum =>
        Enum.TryParse<T>(word, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new LatentSharpException($"unknown {what} '{word}' (one of: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))})");
}
