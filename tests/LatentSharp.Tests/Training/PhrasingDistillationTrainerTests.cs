using LatentSharp.Shapes;
using LatentSharp.Tests.Support;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public class PhrasingDistillationTrainerTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    static PhrasingDistillationOptions Options(int steps, double holdWeight = 1, double learningRate = 3e-3) => new()
    {
        BaseModel = Fixtures.TinySd1,
        HoldWeight = holdWeight,
        EvaluateEvery = 10,
        Optimization = PhrasingDistillationOptions.Defaults with
        {
            Steps = steps, BatchSize = 4, LearningRate = learningRate, LogEvery = 5, SampleEvery = 1000, CheckpointEvery = 1000, Seed = 3,
        },
    };

    [Fact]
    public void TrainingBringsEveryPhrasingTowardTheCanonicalCaptionAndTheExportCarriesTheNewEncoderOnly()
    {
        PhrasingDistances before, after;
        using (var trainer = PhrasingDistillationTrainer.Create(temp["run"], Options(steps: 40, holdWeight: 10, learningRate: 1e-3)))
        {
            before = trainer.ReadEvaluations().Single();
            Assert.Equal(TrainingOutcome.Completed, trainer.Train());
            after = trainer.Measure();
            Assert.Equal([0L, 10, 20, 30, 40], trainer.ReadEvaluations().Select(e => e.Step));
            Assert.Equal(after.Phrasings, trainer.ReadEvaluations()[^1].Phrasings);
            trainer.Export(temp["model"]);
        }
        Assert.Equal(ShapesCaptions.ParaphraseCount, before.Phrasings.Count);
        Assert.Equal(0, before.Phrasings[0]);   // the canonical caption through the untouched encoder is the teacher itself
        double Paraphrased(PhrasingDistances d) => d.Phrasings.Skip(1).Average();
        Assert.True(Paraphrased(after) < 0.7 * Paraphrased(before), $"paraphrases {Paraphrased(before):G3} → {Paraphrased(after):G3}");
        Assert.True(after.Phrasings[0] < 0.5 * Paraphrased(after), $"the canonical caption drifted to {after.Phrasings[0]:G3}");
        Assert.True(File.Exists(Path.Combine(temp["run"], "eval.png")));
        TextEncoderFineTunerChecks.OnlyTheTextEncoderChanged(Fixtures.TinySd1, temp["model"]);
    }

    [Fact]
    public void ExamplesAreSeenPairsInAParaphrasedPhrasingAndRepeatable()
    {
        using var trainer = PhrasingDistillationTrainer.Create(temp["run"], Options(steps: 1));
        var phrasings = new HashSet<int>();
        for (long batch = 0; batch < 30; batch++)
            foreach (var (sample, phrasing) in trainer.Examples(batch))
            {
                Assert.False(sample.Spec.IsHeldOut, $"{sample.Spec} is a held-out pair");
                Assert.InRange(phrasing, 1, ShapesCaptions.ParaphraseCount - 1);
                phrasings.Add(phrasing);
            }
        Assert.Equal(ShapesCaptions.ParaphraseCount - 1, phrasings.Count);
        Assert.Equal(trainer.Examples(7).Select(e => (e.Sample.Spec, e.Phrasing)), trainer.Examples(7).Select(e => (e.Sample.Spec, e.Phrasing)));
        Assert.NotEqual(trainer.Examples(7).Select(e => e.Sample.Spec), trainer.Examples(8).Select(e => e.Sample.Spec));
        Assert.Equal(ShapesCaptions.ParaphraseCount, ShapesCaptions.PhrasingNames.Count);
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameEncoder() => TextEncoderFineTunerChecks.ResumesToTheSameEncoder(temp,
        folder => PhrasingDistillationTrainer.Create(folder, Options(steps: 4)), folder => PhrasingDistillationTrainer.Resume(folder));
}
