using System.Diagnostics;
using LatentSharp.Pipelines;
using LatentSharp.Shapes;

namespace LatentSharp.Training;

/// <summary>One point of a run's adherence curve: the share of images the shapes judge reads as prompted, per attribute.</summary>
/// <param name="Seen">Prompts with colour–shape pairs of the training data.</param>
/// <param name="HeldOut">Prompts with the held-out pairs (does the model compose words it only saw apart?).</param>
/// <param name="Seconds">Wall time of the evaluation.</param>
public sealed record AdherenceEvaluation(long Step, double Seconds, AttributeScores Seen, AttributeScores HeldOut);

/// <summary>
/// The small fixed prompt set a shapes run is scored on while it trains, and the scoring. Balanced so that
/// a short set still measures every word: prompt k asks for grid cell k mod 9; every fourth prompt uses a
/// held-out colour–shape pair (so 36 prompts hold 27 seen ones, each cell three times, and 9 held-out ones,
/// each cell once); every third is a paraphrase. Drawn from a fixed seed: every run and step sees the same prompts.
/// </summary>
public static class AdherenceProbe
{
    public const int DefaultPrompts = 36, MaxPrompts = 1000;
    const ulong Seed = 20261203;
    const long FirstSeed = 1;

    public static IReadOnlyList<(string Text, ShapeSpec Spec)> Prompts(int count)
    {
        if (count < 1 || count > MaxPrompts) throw new LatentSharpException($"the adherence evaluation takes 1 to {MaxPrompts} prompts (got {count})");
        var random = new DeterministicRandom(Seed);
        var seenPairs = ShapesVocabulary.Shapes.SelectMany(s => ShapesVocabulary.Colors.Select(c => (Shape: s, Color: c)))
            .Where(p => !ShapesVocabulary.IsHeldOut(p.Shape, p.Color)).ToList();
        var prompts = new List<(string, ShapeSpec)>(count);
        for (int k = 0; k < count; k++)
        {
            var (shape, color) = k % 4 == 3 ? random.Pick(ShapesVocabulary.HeldOutPairs) : random.Pick(seenPairs);
            ShapeColor background;
            do background = random.Pick(ShapesVocabulary.Colors); while (background == color);
            var spec = new ShapeSpec(shape, color, background, random.Pick(ShapesVocabulary.Sizes), ShapesVocabulary.Positions[k % 9]);
            string text = k % 3 == 2 ? ShapesCaptions.Paraphrase(spec, 1 + random.NextInt(ShapesCaptions.ParaphraseCount - 1)) : spec.CanonicalCaption;
            prompts.Add((text, spec));
        }
        return prompts;
    }

    /// <summary>Generates every prompt over the seeds (prompt k: seeds 1 + 1000·k + 0 … Seeds−1, one batch) and scores the images.</summary>
    public static AdherenceEvaluation Run(StableDiffusionPipeline pipeline, AdherenceSettings settings, long step, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var seen = new List<(ShapeSpec, ShapesVerdict)>();
        var heldOut = new List<(ShapeSpec, ShapesVerdict)>();
        var prompts = Prompts(settings.Prompts);
        for (int k = 0; k < prompts.Count; k++)
        {
            var (text, spec) = prompts[k];
            using var result = pipeline.Generate(new GenerationRequest
            {
                Prompt = text, Steps = settings.Steps, GuidanceScale = settings.GuidanceScale, Scheduler = settings.Scheduler,
                Seed = FirstSeed + 1000L * k, BatchSize = settings.Seeds,
            }, cancellation: cancellation);
            foreach (var image in result.Images) (spec.IsHeldOut ? heldOut : seen).Add((spec, ShapesJudge.Judge(image)));
        }
        return new AdherenceEvaluation(step, Math.Round(clock.Elapsed.TotalSeconds, 1), AttributeScores.Of(seen), AttributeScores.Of(heldOut));
    }
}
