using LatentSharp.Checkpoints;
using LatentSharp.Shapes;
using LatentSharp.Tests.Support;
using LatentSharp.Text;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public class PositionContrastTrainerTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    static PositionContrastOptions Options(int steps, double? margin = null, PositionPairs pairs = PositionPairs.Axis) => new()
    {
        BaseModel = Fixtures.TinySd1,
        Margin = margin,
        Pairs = pairs,
        EvaluateEvery = 10,
        Optimization = PositionContrastOptions.Defaults with
        {
            Steps = steps, BatchSize = 8, LearningRate = 3e-3, LogEvery = 5, SampleEvery = 1000, CheckpointEvery = 1000, Seed = 3,
        },
    };

    [Fact]
    public void TrainingPullsThePositionWordsApartAndTheExportCarriesTheNewEncoderOnly()
    {
        ContextDistances before, after;
        // The tiny random encoder keeps the position words 10–12 apart, farther than its colour words (7): a margin above both.
        using (var trainer = PositionContrastTrainer.Create(temp["run"], Options(steps: 30, margin: 40)))
        {
            before = ContextDistances.Measure(trainer.Model.TextEncoder, trainer.Tokenizer);
            Assert.Equal(TrainingOutcome.Completed, trainer.Train());
            after = ContextDistances.Measure(trainer.Model.TextEncoder, trainer.Tokenizer, 30);
            Assert.Equal([0L, 10, 20, 30], trainer.ReadEvaluations().Select(e => e.Step));
            Assert.Equal(before, trainer.ReadEvaluations()[0]);
            Assert.Equal(after, trainer.ReadEvaluations()[^1]);
            trainer.Export(temp["model"]);
        }
        Assert.True(after.Row > 1.5 * before.Row && after.Column > 1.5 * before.Column,
            $"row {before.Row:F2} → {after.Row:F2}, column {before.Column:F2} → {after.Column:F2}");
        Assert.True(File.Exists(Path.Combine(temp["run"], "eval.png")));
        Assert.Contains("\"margin\"", File.ReadAllText(Path.Combine(temp["run"], TrainingRunFolder.RunFileName)));

        using (var exported = StableDiffusionModel.Load(temp["model"]))
            Assert.Equal(after, ContextDistances.Measure(exported.TextEncoder, ClipTokenizer.FromFolder(exported.RequireTokenizerPath()), 30));
        TextEncoderFineTunerChecks.OnlyTheTextEncoderChanged(Fixtures.TinySd1, temp["model"]);
    }

    [Fact]
    public void CaptionPairsDifferOnlyInTheCellAndOnOneAxisAtATime()
    {
        using var trainer = PositionContrastTrainer.Create(temp["run"], Options(steps: 1, margin: 5));
        Assert.Equal(5, trainer.Margin);
        int rows = 0, count = 0;
        for (long batch = 0; batch < 20; batch++)
            foreach (var (first, second, phrasing) in trainer.CaptionPairs(batch))
            {
                count++;
                Assert.Equal(first with { Position = second.Position }, second);
                Assert.NotEqual(first.Position, second.Position);
                Assert.NotEqual(first.Color, first.Background);
                Assert.False(first.IsHeldOut, $"{first} is a held-out pair");
                Assert.InRange(phrasing, 0, ShapesCaptions.ParaphraseCount - 1);
                var ((columnA, rowA), (columnB, rowB)) = (ShapesVocabulary.Cell(first.Position), ShapesVocabulary.Cell(second.Position));
                Assert.True(columnA == columnB || rowA == rowB, $"{first.Position} and {second.Position} differ on both axes");
                if (columnA == columnB) rows++;
            }
        Assert.Equal(160, count);
        Assert.InRange(rows, 50, 110);   // half the pairs differ in the row, half in the column
        Assert.Equal(trainer.CaptionPairs(7), trainer.CaptionPairs(7));
        Assert.NotEqual(trainer.CaptionPairs(7), trainer.CaptionPairs(8));
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameEncoder()
    {
        double? wholeMargin = null;
        TextEncoderFineTunerChecks.ResumesToTheSameEncoder(temp,
            folder => PositionContrastTrainer.Create(folder, Options(steps: 4)), folder => PositionContrastTrainer.Resume(folder),
            created: trainer =>
            {
                // No margin given: the base encoder's colour-word distance, recorded for the resume.
                Assert.Equal(ContextDistances.Measure(trainer.Model.TextEncoder, trainer.Tokenizer).Color, trainer.Margin, 4);
                wholeMargin ??= trainer.Margin;
            },
            resumed: trainer => Assert.Equal(wholeMargin, trainer.Margin));
    }
}
