using LatentSharp.Checkpoints;
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

        using var original = StableDiffusionModel.Load(Fixtures.TinySd1);
        using var exported = StableDiffusionModel.Load(temp["model"]);
        foreach (var (name, p) in original.Unet.named_parameters())
            Assert.True(TensorAssert.BitEqual(p, exported.Unet.named_parameters().Single(q => q.name == name).parameter), name);
        Assert.Contains(original.TextEncoder.named_parameters().Zip(exported.TextEncoder.named_parameters()),
            pair => !TensorAssert.BitEqual(pair.First.parameter, pair.Second.parameter));
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
    public void AnInterruptedRunResumesToTheSameEncoder()
    {
        using (var whole = PhrasingDistillationTrainer.Create(temp["whole"], Options(steps: 4)))
        {
            whole.Train();
            whole.Export(temp["whole-model"]);
        }
        using (var first = PhrasingDistillationTrainer.Create(temp["split"], Options(steps: 4)))
        {
            using var stop = new CancellationTokenSource();
            Assert.Equal(TrainingOutcome.Stopped, first.Train(p => { if (p.Step == 2) stop.Cancel(); }, stop.Token));
        }
        using (var resumed = PhrasingDistillationTrainer.Resume(temp["split"]))
        {
            Assert.Equal(2, resumed.State.Step);
            Assert.Equal(TrainingOutcome.Completed, resumed.Train());
            resumed.Export(temp["split-model"]);
        }
        using var a = StableDiffusionModel.Load(temp["whole-model"]);
        using var b = StableDiffusionModel.Load(temp["split-model"]);
        foreach (var (x, y) in a.TextEncoder.named_parameters().Zip(b.TextEncoder.named_parameters()))
            Assert.True(TensorAssert.BitEqual(x.parameter, y.parameter), x.name);
    }
}
