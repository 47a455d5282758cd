using LatentSharp.Shapes;
using LatentSharp.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// How far apart a text encoder keeps shapes captions that differ in one attribute's words: the mean L2 distance of the
/// whole [77, D] contexts of canonical captions ("a large red circle in the center on a blue background") that differ
/// only in the row word, only in the column word, only in the colour, only in the shape, or only in the background
/// colour. Issue 12 found the U-Net follows words an encoder keeps ≥ 40 apart and ignores words kept ~10 apart
/// (models/shapes-training/README.md, "row and column").
/// </summary>
public sealed record ContextDistances(long Step, double Row, double Column, double Color, double Shape, double Background)
{
    static readonly ShapeSpec Basis = new(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, GridPosition.Center);

    /// <summary>Measures <paramref name="encoder"/> (without gradients).</summary>
    /// <param name="caption">How a spec is worded (default: its canonical caption), e.g. one of <see cref="ShapesCaptions.Paraphrase"/>'s phrasings.</param>
    public static ContextDistances Measure(ClipTextModel encoder, ClipTokenizer tokenizer, long step = 0, Func<ShapeSpec, string>? caption = null)
    {
        caption ??= spec => spec.CanonicalCaption;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        double Mean(IEnumerable<(ShapeSpec A, ShapeSpec B)> pairs)
        {
            var list = pairs.ToList();
            var a = Contexts(encoder, tokenizer, list.Select(p => caption(p.A)));
            var b = Contexts(encoder, tokenizer, list.Select(p => caption(p.B)));
            return PairDistance(a, b).mean().item<float>();
        }
        var otherColours = ShapesVocabulary.Colors.Where(c => c != Basis.Color && c != Basis.Background).ToList();
        return new ContextDistances(step,
            Row: Mean(AxisPairs(byRow: true).Select(p => (Basis with { Position = p.A }, Basis with { Position = p.B }))),
            Column: Mean(AxisPairs(byRow: false).Select(p => (Basis with { Position = p.A }, Basis with { Position = p.B }))),
            Color: Mean(otherColours.Select(c => (Basis, Basis with { Color = c }))),
            Shape: Mean(ShapesVocabulary.Shapes.Where(s => s != Basis.Shape).Select(s => (Basis, Basis with { Shape = s }))),
            Background: Mean(otherColours.Select(c => (Basis, Basis with { Background = c }))));
    }

    /// <summary>The 9 × 9 distances between the contexts of the canonical captions of every two cells (row-major cells).</summary>
    public static double[,] PositionMatrix(ClipTextModel encoder, ClipTokenizer tokenizer)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var contexts = Contexts(encoder, tokenizer, ShapesVocabulary.Positions.Select(p => (Basis with { Position = p }).CanonicalCaption)).flatten(1);
        var distances = cdist(contexts.unsqueeze(0), contexts.unsqueeze(0)).squeeze(0).to_type(ScalarType.Float64);
        int n = ShapesVocabulary.Positions.Count;
        var values = distances.data<double>().ToArray();
        var matrix = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) matrix[i, j] = values[i * n + j];
        return matrix;
    }

    /// <summary>The encoder's [B, 77, D] output for <paramref name="captions"/>.</summary>
    internal static Tensor Contexts(ClipTextModel encoder, ClipTokenizer tokenizer, IEnumerable<string> captions)
    {
        using var ids = tokenizer.EncodeBatch(captions.ToList());
        return encoder.forward(ids).LastHiddenState;
    }

    /// <summary>Row-wise L2 distance of two [B, 77, D] context batches (a small epsilon keeps the gradient finite at 0).</summary>
    internal static Tensor PairDistance(Tensor a, Tensor b) => (a - b).pow(2).sum([1, 2]).add(1e-8).sqrt();

    /// <summary>Every pair of cells that differ only in the row (<paramref name="byRow"/>) or only in the column, once.</summary>
    public static IEnumerable<(GridPosition A, GridPosition B)> AxisPairs(bool byRow)
    {
        for (int fixedIndex = 0; fixedIndex < 3; fixedIndex++)
            for (int i = 0; i < 3; i++)
                for (int j = i + 1; j < 3; j++)
                    yield return byRow
                        ? (ShapesVocabulary.FromCell(fixedIndex, i), ShapesVocabulary.FromCell(fixedIndex, j))
                        : (ShapesVocabulary.FromCell(i, fixedIndex), ShapesVocabulary.FromCell(j, fixedIndex));
    }

    public override string ToString() => FormattableString.Invariant(
        $"row {Row:F2}, column {Column:F2}, colour {Color:F2}, shape {Shape:F2}, background {Background:F2}");
}
