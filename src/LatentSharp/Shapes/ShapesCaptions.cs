namespace LatentSharp.Shapes;

/// <summary>
/// Captions for shapes images. Half are the canonical caption with every attribute; the rest use one of
/// a few other phrasings and may leave out the size, the position or the background (each with
/// probability <see cref="OmitProbability"/>). An attribute left out is still random in the image, so
/// the model learns what each word means rather than one sentence pattern.
/// </summary>
internal static class ShapesCaptions
{
    public const double CanonicalShare = 0.5;
    public const double OmitProbability = 0.2;

    /// <summary>The words of one caption; a null part was left out.</summary>
    sealed record Parts(string? Size, string Color, string Shape, GridPosition? Position, string? Background);

    static readonly Func<Parts, string>[] Paraphrases =
    [
        // a large red circle in the center on a blue background (the canonical pattern, with omissions)
        p => Join(Article(p.Size ?? p.Color), p.Size, p.Color, p.Shape, Canonical(p.Position), p.Background is null ? null : $"on a {p.Background} background"),
        // a red circle, large, in the center, blue background
        p => string.Join(", ", new[] { $"{Article(p.Color)} {p.Color} {p.Shape}", p.Size, Canonical(p.Position), Background(p.Background) }.Where(s => s != null)),
        // red large circle centered on blue
        p => Join(p.Color, p.Size, p.Shape, Short(p.Position), p.Background is null ? null : $"on {p.Background}"),
        // a blue background with a large red circle in the middle
        p => Join(p.Background is null ? null : $"{Article(p.Background)} {p.Background} background with", Article(p.Size ?? p.Color), p.Size, p.Color, p.Shape, Alternative(p.Position)),
        // large red circle in the center, blue background
        p => Join(p.Size, p.Color, p.Shape, Canonical(p.Position)) + (p.Background is null ? "" : $", {p.Background} background"),
        // an image of a large red circle in the middle against a blue background
        p => Join("an image of", Article(p.Size ?? p.Color), p.Size, p.Color, p.Shape, Alternative(p.Position), p.Background is null ? null : $"against {Article(p.Background)} {p.Background} background"),
    ];

    public static string Compose(ShapeSpec spec, DeterministicRandom random)
    {
        if (random.Chance(CanonicalShare)) return spec.CanonicalCaption;
        var parts = new Parts(
            random.Chance(OmitProbability) ? null : ShapesVocabulary.Word(spec.Size),
            ShapesVocabulary.Word(spec.Color),
            ShapesVocabulary.Word(spec.Shape),
            random.Chance(OmitProbability) ? null : spec.Position,
            random.Chance(OmitProbability) ? null : ShapesVocabulary.Word(spec.Background));
        return random.Pick(Paraphrases)(parts);
    }

    /// <summary>How many phrasings <see cref="Paraphrase"/> knows (the first is the canonical pattern).</summary>
    public static int ParaphraseCount => Paraphrases.Length;

    /// <summary>The spec in phrasing <paramref name="template"/>, naming every attribute (for evaluation prompts).</summary>
    public static string Paraphrase(ShapeSpec spec, int template) =>
        Paraphrases[template](new Parts(ShapesVocabulary.Word(spec.Size), ShapesVocabulary.Word(spec.Color),
            ShapesVocabulary.Word(spec.Shape), spec.Position, ShapesVocabulary.Word(spec.Background)));

    static string Join(params string?[] words) => string.Join(' ', words.Where(w => w != null));

    static string Article(string word) => "aeiou".Contains(word[0]) ? "an" : "a";

    static string? Background(string? colour) => colour is null ? null : $"{colour} background";

    static string? Canonical(GridPosition? p) => p is { } position ? ShapesVocabulary.PositionPhrase(position) : null;

    static string? Short(GridPosition? p) => p switch
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

    static string? Alternative(GridPosition? p) => p switch
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
