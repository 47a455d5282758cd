using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Shapes;
using LatentSharp.Text;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Fine-tunes a model's text encoder so the shapes captions' position words give the U-Net contexts it can tell apart
/// (<c>sd train position-words</c>, issue 12). Each step draws pairs of captions that differ only in the cell they name
/// (same shape, colour, background, size and phrasing) and pushes their context distance up to a margin with a squared
/// hinge, while a distillation term holds every caption's context — and the empty caption's, the unconditional one — to the
/// frozen original encoder's, so the U-Net trained on that encoder still reads everything else as before.
/// <para>
/// Why: a CLIP encoder trained with the U-Net from scratch lets the words of the axis the U-Net ignores collapse (9 apart
/// where followed words are 40–140), and no U-Net training separates them afterwards (models/shapes-training/README.md,
/// "row and column", H1, I1–I5). Only the seen colour–shape pairs are drawn, so held-out pairs stay held out.
/// </para>
/// </summary>
public sealed class PositionContrastTrainer : TextEncoderFineTuner
{
    public const string Kind = "position-words";
    const ulong PairStream = 0x9051_7105UL;

    readonly PositionContrastOptions spec;
    readonly IReadOnlyList<(ShapeKind Shape, ShapeColor Color)> seenPairs;

    PositionContrastTrainer(TrainingRunFolder run, PositionContrastOptions spec, StableDiffusionModel model, StableDiffusionModel original,
        ClipTokenizer tokenizer) : base(run, spec.Optimization, model, original, tokenizer)
    {
        this.spec = spec;
        Margin = spec.Margin ?? throw new InvalidOperationException("the run's margin is resolved when it is created");
        seenPairs = ShapesVocabulary.Shapes.SelectMany(s => ShapesVocabulary.Colors.Select(c => (s, c)))
            .Where(p => !ShapesVocabulary.IsHeldOut(p.s, p.c)).ToList();
    }

    /// <summary>The context distance the pairs are pushed to.</summary>
    public double Margin { get; }

    protected override string Title => FormattableString.Invariant($"position-word contrast loss (margin {Margin:F2}, distillation {spec.DistillationWeight})");

    protected override int EvaluateEvery => spec.EvaluateEvery;

    /// <summary>Starts a new run; a margin left open is measured on the base encoder and recorded in run.json.</summary>
    public static PositionContrastTrainer Create(string runFolder, PositionContrastOptions options, Action<string>? report = null)
    {
        options.Validate();
        var run = new TrainingRunFolder(runFolder);
        return WithBaseModel(options.BaseModel, Kind, check: null, (model, original, tokenizer) =>
        {
            run.Create(options, Kind);   // once the model has loaded: one that does not leaves no run folder behind
            var before = ContextDistances.Measure(original.TextEncoder, tokenizer);
            report?.Invoke($"{options.BaseModel}'s text encoder: {before}");
            var resolved = options with { Margin = options.Margin ?? before.Color };
            run.Update(resolved, Kind);
            string origin = options.Margin is null ? " (the colour words' distance)" : "";
            report?.Invoke(FormattableString.Invariant(
                $"margin {resolved.Margin:F2}{origin}, distillation weight {resolved.DistillationWeight}, {resolved.Pairs.ToString().ToLowerInvariant()} pairs"));
            var trainer = new PositionContrastTrainer(run, resolved, model, original, tokenizer);
            trainer.Record(before);   // step 0 of the curve: where the base encoder starts
            return trainer;
        });
    }

    /// <summary>Continues the run in <paramref name="runFolder"/> from its newest checkpoint.</summary>
    public static PositionContrastTrainer Resume(string runFolder, Action<string>? report = null)
    {
        var run = new TrainingRunFolder(runFolder);
        var spec = run.Read<PositionContrastOptions>(Kind).Validate();
        if (spec.Margin is null) throw new LatentSharpException($"{run.RunFile}: no margin recorded");
        return WithBaseModel(spec.BaseModel, Kind, check: null,
            (model, original, tokenizer) => Restored(new PositionContrastTrainer(run, spec, model, original, tokenizer)));
    }

    protected override Tensor Loss(long step, int microBatch, Generator random)
    {
        var pairs = CaptionPairs(step * Options.GradientAccumulation + microBatch);
        int batch = pairs.Count;
        using var ids = cat([
            Tokenizer.EncodeBatch(pairs.Select(p => ShapesCaptions.Paraphrase(p.First, p.Phrasing)).ToList()),
            Tokenizer.EncodeBatch(pairs.Select(p => ShapesCaptions.Paraphrase(p.Second, p.Phrasing)).ToList()),
            EmptyCaption]);
        var contexts = Model.TextEncoder.forward(ids).LastHiddenState;
        Tensor target;
        using (no_grad()) target = Original.TextEncoder.forward(ids).LastHiddenState;
        double marginSquared = Margin * Margin;
        var distillation = (contexts - target).pow(2).sum([1, 2]).mean() / marginSquared;
        var distance = ContextDistances.PairDistance(contexts.narrow(0, 0, batch), contexts.narrow(0, batch, batch));
        var hinge = (Margin - distance).clamp_min(0).pow(2).mean() / marginSquared;
        return hinge + spec.DistillationWeight * distillation;
    }

    /// <summary>
    /// Batch <paramref name="index"/>'s pairs: a seen colour–shape pair's caption and the same caption naming another cell,
    /// both in phrasing <c>Phrasing</c> of <see cref="ShapesCaptions.Paraphrase"/>.
    /// </summary>
    internal IReadOnlyList<(ShapeSpec First, ShapeSpec Second, int Phrasing)> CaptionPairs(long index)
    {
        var random = DeterministicRandom.ForItem(Options.Seed ^ PairStream, (ulong)index);
        var pairs = new List<(ShapeSpec, ShapeSpec, int)>();
        for (int i = 0; i < Options.BatchSize; i++)
        {
            var (shape, colour) = random.Pick(seenPairs);
            var background = random.Pick(ShapesVocabulary.Colors.Where(c => c != colour).ToList());
            var position = random.Pick(ShapesVocabulary.Positions);
            var other = spec.Pairs == PositionPairs.Axis ? OnOneAxis(position, random) : (GridPosition)(((int)position + 1 + random.NextInt(8)) % 9);
            var first = new ShapeSpec(shape, colour, background, random.Pick(ShapesVocabulary.Sizes), position);
            pairs.Add((first, first with { Position = other }, random.NextInt(ShapesCaptions.ParaphraseCount)));
        }
        return pairs;
    }

    /// <summary>A cell in the same column or in the same row as <paramref name="position"/> (half each), never itself.</summary>
    static GridPosition OnOneAxis(GridPosition position, DeterministicRandom random)
    {
        var (column, row) = ShapesVocabulary.Cell(position);
        int shift = 1 + random.NextInt(2);
        return random.Chance(0.5) ? ShapesVocabulary.FromCell(column, (row + shift) % 3) : ShapesVocabulary.FromCell((column + shift) % 3, row);
    }

    /// <summary>The nine position captions' context distances as a heatmap: the run's "sample".</summary>
    protected override void WriteSamples(string path) =>
        new Heatmap
        {
            Title = FormattableString.Invariant($"context distance between position captions, step {State.Step} (margin {Margin:F1})"),
            Labels = ShapesVocabulary.Positions.Select(ShapesVocabulary.Slug).ToList(),
            Values = ContextDistances.PositionMatrix(Model.TextEncoder, Tokenizer),
        }.Save(path);

    protected override void WriteEvaluation() => Record(ContextDistances.Measure(Model.TextEncoder, Tokenizer, State.Step));

    void Record(ContextDistances distances)
    {
        AppendEvaluation(distances);
        PlotDistances(ReadEvaluations(), Margin, Run.EvalPlot);
    }

    /// <summary>The measurements so far (eval.jsonl), oldest first.</summary>
    public IReadOnlyList<ContextDistances> ReadEvaluations() => ReadEvaluationLog<ContextDistances>();

    static void PlotDistances(IReadOnlyList<ContextDistances> points, double margin, string path)
    {
        PlotSeries Series(string name, Func<ContextDistances, double> value) => new(name, points.Select(p => ((double)p.Step, value(p))).ToList());
        new LineChart
        {
            Title = "Context distance of captions differing in one attribute",
            XLabel = "step",
            XMin = 0,
            YLabel = "mean L2 distance of the contexts",
            YMin = 0,
            Markers = points.Count <= 40,
            Series =
            [
                Series("row word", p => p.Row), Series("column word", p => p.Column), Series("colour", p => p.Color),
                Series("shape", p => p.Shape), Series("background", p => p.Background),
                new PlotSeries("margin", [(0, margin), (Math.Max(1, points[^1].Step), margin)], Dashed: true),
            ],
        }.Save(path);
    }
}
