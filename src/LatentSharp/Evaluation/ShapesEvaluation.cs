using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Shapes;

namespace LatentSharp.Evaluation;

/// <summary>
/// Prompt adherence of a shapes model: generate every prompt over several seeds, read each image back
/// with <see cref="ShapesJudge"/> (deterministic image analysis, independent of the model), and score
/// each attribute, separately for colour–shape pairs seen in training and for the held-out ones.
/// </summary>
public sealed class ShapesEvaluation(StableDiffusionPipeline pipeline)
{
    /// <summary>Called after each prompt with (prompts done, prompts in all).</summary>
    public Action<int, int>? OnPrompt { get; init; }

    public CancellationToken Cancellation { get; init; }

    public ScaleResult Run(IReadOnlyList<EvalPrompt> prompts, EvalSettings settings)
    {
        var samples = new List<EvalSample>();
        var diversities = new List<double>();
        for (int k = 0; k < prompts.Count; k++)
        {
            var prompt = prompts[k];
            var request = new GenerationRequest
            {
                Prompt = prompt.Text, Steps = settings.Steps, GuidanceScale = settings.GuidanceScale, Scheduler = settings.Scheduler,
                Seed = settings.FirstSeed + k * 1000L, BatchSize = settings.Seeds,
            };
            using var result = pipeline.Generate(request, cancellation: Cancellation);
            for (int i = 0; i < result.Images.Count; i++)
                samples.Add(new EvalSample(prompt, result.Seeds[i], result.Images[i], ShapesJudge.Judge(result.Images[i])));
            diversities.Add(Diversity.MeanPairwiseDistance(result.Images));
            OnPrompt?.Invoke(k + 1, prompts.Count);
        }
        return new ScaleResult(settings.GuidanceScale, samples, diversities.Average(),
            Scores(samples, s => !s.Prompt.HeldOut), Scores(samples, s => s.Prompt.HeldOut));
    }

    static AttributeScores Scores(IEnumerable<EvalSample> samples, Func<EvalSample, bool> which) =>
        AttributeScores.Of(samples.Where(which).Select(s => (s.Prompt.Spec, s.Verdict)).ToList());

    /// <summary>The judge on ground-truth renders (a seed and split never used for training), as a sanity figure.</summary>
    public static AttributeScores JudgeOnGroundTruth(int count = 1000, ulong seed = 777)
    {
        var data = new ShapesDataset(seed, split: ShapesSplit.All);
        return AttributeScores.Of(data.Take(count).Select(s => (s.Spec, ShapesJudge.Judge(s.Image))).ToList());
    }
}

/// <summary>One generated evaluation image: its prompt, seed, the image and what the judge saw in it.</summary>
public sealed record EvalSample(EvalPrompt Prompt, long Seed, RgbImage Image, ShapesVerdict Verdict);

/// <summary>Everything measured at one guidance scale.</summary>
public sealed record ScaleResult(double GuidanceScale, IReadOnlyList<EvalSample> Samples, double Diversity,
    AttributeScores Seen, AttributeScores HeldOut);
