using LatentSharp.Shapes;

namespace LatentSharp.Evaluation;

/// <summary>
/// The fixed prompt set <c>sd eval</c> scores by default: 240 shapes prompts, every one naming all five
/// attributes. 200 use colour–shape pairs seen in training (150 canonical captions, 50 paraphrased),
/// 40 the five held-out pairs (8 each, half canonical). Drawn from a fixed seed, so every run and every
/// model is scored on the same prompts.
/// </summary>
public static class EvalPromptSet
{
    public const ulong Seed = 20261126;
    const int SeenCanonical = 150, SeenParaphrased = 50, PerHeldOutPair = 8;

    public static IReadOnlyList<EvalPrompt> Default { get; } = Build();

    static IReadOnlyList<EvalPrompt> Build()
    {
        var random = new DeterministicRandom(Seed);
        var prompts = new List<EvalPrompt>();
        var seenPairs = ShapesVocabulary.Shapes.SelectMany(s => ShapesVocabulary.Colors.Select(c => (s, c)))
            .Where(p => !ShapesVocabulary.IsHeldOut(p.s, p.c)).ToList();
        for (int i = 0; i < SeenCanonical + SeenParaphrased; i++)
        {
            var (shape, color) = random.Pick(seenPairs);
            prompts.Add(Prompt(RandomSpec(random, shape, color), random, canonical: i < SeenCanonical));
        }
        foreach (var (shape, color) in ShapesVocabulary.HeldOutPairs)
            for (int i = 0; i < PerHeldOutPair; i++)
                prompts.Add(Prompt(RandomSpec(random, shape, color), random, canonical: i % 2 == 0));
        return prompts;
    }

    /// <summary>
    /// Prompts whose shape is <paramref name="color"/> (e.g. pink, taught by a LoRA): every shape equally often, the
    /// other attributes drawn as for the default set, half canonical, half paraphrased. Drawn from a fixed seed.
    /// </summary>
    public static IReadOnlyList<EvalPrompt> ForColor(ShapeColor color, int count = 60)
    {
        var random = new DeterministicRandom(Seed ^ (ulong)(color + 1));
        return Enumerable.Range(0, count)
            .Select(i => Prompt(RandomSpec(random, ShapesVocabulary.Shapes[i % ShapesVocabulary.Shapes.Count], color), random, canonical: i % 2 == 0))
            .ToList();
    }

    static ShapeSpec RandomSpec(DeterministicRandom random, ShapeKind shape, ShapeColor color)
    {
        var backgrounds = ShapesVocabulary.Colors.Where(c => c != color).ToList();
        return new ShapeSpec(shape, color, random.Pick(backgrounds), random.Pick(ShapesVocabulary.Sizes), random.Pick(ShapesVocabulary.Positions));
    }

    static EvalPrompt Prompt(ShapeSpec spec, DeterministicRandom random, bool canonical) =>
        canonical
            ? new EvalPrompt(spec.CanonicalCaption, spec, true)
            : new EvalPrompt(ShapesCaptions.Paraphrase(spec, 1 + random.NextInt(ShapesCaptions.ParaphraseCount - 1)), spec, false);
}
