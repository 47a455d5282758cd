namespace LatentSharp.Shapes;

/// <summary>
/// Captions for shapes images. Half are the canonical caption with every attribute; the rest use one of
/// a few other phrasings and may leave out the size, the position or the background (each with
/// probability <see cref="OmitProbability"/>). An attribute left out is still random in the image, so
/// the model learns what each word means rather than one sentence pattern.
/// <para>
/// Optionally (<c>axisShare</c> &gt; 0) that share of the captions names only one axis of the position: the row
/// ("in the top row") or the column ("in the left column"), in any phrasing. Issue 12's lab found that with
/// captions naming both axes at once a model learns one axis and ignores the other word; captions where each
/// word alone decides where the shape is made both words move it (models/shapes-training/README.md).
/// </para>
/// </summary>
internal static class ShapesCaptions
{
    public const double CanonicalShare = 0.5;
    public const double OmitProbability = 0.2;

    /// <summary>The words of one caption; a null part was left out. <c>Axis</c>, when set, replaces every phrasing's position words.</summary>
    sealed record Parts(string? Size, string Color, string Shape, GridPosition? Position, string? Background, string? Axis = null);

    static readonly Func<Parts, string>[] Paraphrases =
    [
        // a large red circle in the center on a blue background (the canonical pattern, with omissions)
        p => Join(Article(p.Size ?? p.Color), p.Size, p.Color, p.Shape, Canonical(p), p.Background is null ? null : $"on a {p.Background} background"),
        // a red circle, large, in the center, blue background
        p => string.Join(", ", new[] { $"{Article(p.Color)} {p.Color} {p.Shape}", p.Size, Canonical(p), Background(p.Background) }.Where(s => s != null)),
        // red large circle centered on blue
        p => Join(p.Color, p.Size, p.Shape, Short(p), p.Background is null ? null : $"on {p.Background}"),
        // a blue background with a large red circle in the middle
        p => Join(p.Background is null ? null : $"{Article(p.Background)} {p.Background} background with", Article(p.Size ?? p.Color), p.Size, p.Color, p.Shape, Alternative(p)),
        // large red circle in the center, blue background
        p => Join(p.Size, p.Color, p.Shape, Canonical(p)) + (p.Background is null ? "" : $", {p.Background} background"),
        // an image of a large red circle in the middle against a blue background
        p => Join("an image of", Article(p.Size ?? p.Color), p.Size, p.Color, p.Shape, Alternative(p), p.Background is null ? null : $"against {Article(p.Background)} {p.Background} background"),
    ];

    /// <param name="axisShare">Share of captions naming only the row or only the column; 0 draws nothing for it, so
    /// the captions of a seed stay those of data sets made before the option existed.</param>
    /// <param name="canonicalShare">Share of the other captions that are the canonical caption (the rest are drawn from
    /// every phrasing, the canonical pattern included, with omissions); the default draws as before the option existed.</param>
    public static string Compose(ShapeSpec spec, DeterministicRandom random, double axisShare = 0, double canonicalShare = CanonicalShare)
    {
        if (axisShare > 0 && random.Chance(axisShare))
            return random.Pick(Paraphrases)(AllWords(spec) with { Axis = AxisPhrase(spec.Position, byRow: random.Chance(0.5)) });
        if (random.Chance(canonicalShare)) return spec.CanonicalCaption;
        var parts = new Parts(
            random.Chance(OmitProbability) ? null : ShapesVocabulary.Word(spec.Size),
            ShapesVocabulary.Word(spec.Color),
            ShapesVocabulary.Word(spec.Shape),
            random.Chance(OmitProbability) ? null : spec.Position,
            random.Chance(OmitProbability) ? null : ShapesVocabulary.Word(spec.Background));
        return random.Pick(Paraphrases)(parts);
    }

    /// <summary>"in the top row", "in the middle row", … or "in the left column", "in the middle column", …</summary>
    public static string AxisPhrase(GridPosition position, bool byRow)
    {
        var (column, row) = ShapesVocabulary.Cell(position);
        return byRow ? $"in the {RowWords[row]} row" : $"in the {ColumnWords[column]} column";
    }

    static readonly string[] RowWords = ["top", "middle", "bottom"], ColumnWords = ["left", "middle", "right"];

    /// <summary>How many phrasings <see cref="Paraphrase"/> knows (the first is the canonical pattern).</summary>
    public static int ParaphraseCount => Paraphrases.Length;

    /// <summary>A short name for each phrasing of <see cref="Paraphrase"/>, in its order (for logs and plots).</summary>
    public static readonly IReadOnlyList<string> PhrasingNames =
        ["canonical", "commas", "short", "background first", "background last", "image of"];

    /// <summary>The spec in phrasing <paramref name="template"/>, naming every attribute (for evaluation prompts).</summary>
    public static string Paraphrase(ShapeSpec spec, int template) => Paraphrases[template](AllWords(spec));

    static Parts AllWords(ShapeSpec spec) => new(ShapesVocabulary.Word(spec.Size), ShapesVocabulary.Word(spec.Color),
        ShapesVocabulary.Word(spec.Shape), spec.Position, ShapesVocabulary.Word(spec.Background));

    static string Join(params string?[] words) => string.Join(' ', words.Where(w => w != null));

    static string Article(string word) => "aeiou".Contains(word[0]) ? "an" : "a";

    static string? Background(string? colour) => colour is null ? null : $"{colour} background";

    static string? Canonical(Parts p) => p.Axis ?? (p.Position is { } position ? ShapesVocabulary.PositionPhrase(position) : null);

    static string? Short(Parts p) => p.Axis ?? p.Position switch
    {
        null => null,
        GridPosition.TopLeft => "top left",
        GridPosition.Top => "at the top",
        GridPosition.TopRight => "top right",
        GridPosition.Left => "on the left",
        GridPosition.Center => "centered",
        GridPosition.Right => "on the right",
        GridPosition.BottomLeft => "bottom left",
        GridPosition.Bottom => "at the bottom",
        _ => "bottom right",
    };

    static string? Alternative(Parts p) => p.Axis ?? p.Position switch
    {
        null => null,
        GridPosition.TopLeft => "in the upper left",
        GridPosition.Top => "near the top",
        GridPosition.TopRight => "in the upper right",
        GridPosition.Left => "at the left",
        GridPosition.Center => "in the middle",
        GridPosition.Right => "at the right",
        GridPosition.BottomLeft => "in the lower left",
        GridPosition.Bottom => "near the bottom",
        _ => "in the lower right",
    };
}
