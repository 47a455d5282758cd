using System.Text.Json;
using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Tests.Support;
using LatentSharp.Shapes;

namespace LatentSharp.Tests.Evaluation;

public class ShapesEvaluationTests
{
    [Fact]
    public void ThePromptSetHasTwoHundredFortyPromptsCoveringEveryHeldOutPair()
    {
        var prompts = EvalPromptSet.Default;
        Assert.Equal(240, prompts.Count);
        Assert.Equal(200, prompts.Count(p => !p.HeldOut));
        foreach (var (shape, color) in ShapesVocabulary.HeldOutPairs)
            Assert.Equal(8, prompts.Count(p => p.Spec.Shape == shape && p.Spec.Color == color));
        Assert.All(prompts.Where(p => p.Canonical), p => Assert.Equal(p.Spec.CanonicalCaption, p.Text));
        Assert.True(prompts.Count(p => !p.Canonical) >= 50);
        Assert.All(prompts, p => Assert.NotEqual(p.Spec.Color, p.Spec.Background));
        // Every prompt names all five attributes, whatever the phrasing.
        Assert.All(prompts, p =>
        {
            Assert.Contains(ShapesVocabulary.Word(p.Spec.Shape), p.Text);
            Assert.Contains(ShapesVocabulary.Word(p.Spec.Color), p.Text);
            Assert.Contains(ShapesVocabulary.Word(p.Spec.Background), p.Text);
            Assert.Contains(ShapesVocabulary.Word(p.Spec.Size), p.Text);
        });
        Assert.Equal(prompts.Select(p => p.Text), EvalPromptSet.Default.Select(p => p.Text));
    }

    [Fact]
    public void ScoresCountEachAttributeSeparately()
    {
        var spec = new ShapeSpec(ShapeKind.Star, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, GridPosition.Center);
        var right = ShapesJudge.Judge(ShapesDataset.Render(spec));
        var wrongColour = ShapesJudge.Judge(ShapesDataset.Render(spec with { Color = ShapeColor.Green }));
        var scores = AttributeScores.Of([(spec, right), (spec, wrongColour)]);
        Assert.Equal((1.0, 0.5, 1.0, 1.0, 1.0, 0.5), (scores.Shape, scores.Color, scores.Background, scores.Position, scores.Size, scores.AllFive));
    }

    [Fact]
    public void DiversityIsZeroForIdenticalImagesAndGrowsWithDifference()
    {
        var a = new RgbImage(8, 8, new Rgb(0, 0, 0));
        var b = new RgbImage(8, 8, new Rgb(255, 255, 255));
        Assert.Equal(0, Diversity.MeanPairwiseDistance([a, a.Clone()]));
        Assert.Equal(1, Diversity.MeanPairwiseDistance([a, b]), 6);
        Assert.Equal(2.0 / 3, Diversity.MeanPairwiseDistance([a, a.Clone(), b]), 6);
    }

    [Fact]
    public void EvalCommandWritesReportGridAndSweep()
    {
        string dir = Directory.CreateTempSubdirectory("ls-eval-").FullName;
        try
        {
            int exit = Program.RunReportingErrors(new EvalCommand(),
                ["--model", Fixtures.TinySd1, "--prompts", "3", "--seeds", "2", "--steps", "2", "--guidance", "1,4", "--out", dir]);
            Assert.Equal(0, exit);
            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
            var scales = report.RootElement.GetProperty("scales");
            Assert.Equal(2, scales.GetArrayLength());
            Assert.Equal(4, scales[1].GetProperty("guidance").GetDouble());
            Assert.Equal(6, scales[0].GetProperty("samples").GetArrayLength());
            Assert.True(report.RootElement.GetProperty("judge_ground_truth_accuracy").GetProperty("shape").GetDouble() >= 0.99);
            foreach (var file in new[] { "samples.png", "guidance.png", "guidance_grid.png", "guidance.md" })
                Assert.True(File.Exists(Path.Combine(dir, file)), file);
            // The sweep is a chart with a series per attribute and diversity; the grids carry their text.
            PictureAssert.IsChart(Path.Combine(dir, "guidance.png"), minColours: 3);
            foreach (var grid in new[] { "samples.png", "guidance_grid.png" })
                Assert.True(PictureAssert.Fraction(ImageReader.Read(Path.Combine(dir, grid)), PictureAssert.IsDark) > 0.001, $"{grid} has no text");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BadGuidanceListIsAUsageError() =>
        Assert.Equal(2, Program.RunReportingErrors(new EvalCommand(), ["--model", Fixtures.TinySd1, "--guidance", "1,x"]));
}
