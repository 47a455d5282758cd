using LatentSharp.Evaluation;
using LatentSharp.Imaging;
using LatentSharp.Shapes;
using Xunit.Abstractions;

namespace LatentSharp.Tests.Shapes;

public class ShapesJudgeTests(ITestOutputHelper output)
{
    static readonly string[] Attributes = ["found", "shape", "color", "background", "size", "position"];

    /// <summary>Per-attribute accuracy of the judge on <paramref name="count"/> images of a seed the tests use nowhere else.</summary>
    static double[] Accuracy(int count, Func<RgbImage, RgbImage> degrade, int imageSize = 64)
    {
        var correct = new int[Attributes.Length];
        foreach (var s in new ShapesDataset(seed: 2024, imageSize, ShapesSplit.All).Take(count))
        {
            var v = ShapesJudge.Judge(degrade(s.Image));
            bool[] right = [v.Found, v.Shape == s.Spec.Shape, v.Color == s.Spec.Color, v.Background == s.Spec.Background, v.Size == s.Spec.Size, v.Position == s.Spec.Position];
            for (int i = 0; i < right.Length; i++) if (right[i]) correct[i]++;
        }
        return correct.Select(c => c / (double)count).ToArray();
    }

    void Report(string what, double[] accuracy) =>
        output.WriteLine($"{what}: " + string.Join(", ", Attributes.Select((a, i) => $"{a} {100 * accuracy[i]:F1}%")));

    [Fact]
    public void GetsEveryAttributeOfGroundTruthImagesRight()
    {
        var accuracy = Accuracy(600, image => image);
        Report("ground truth", accuracy);
        Assert.All(accuracy, a => Assert.True(a >= 0.99, $"accuracy {a:P1}"));
    }

    [Fact]
    public void StaysAccurateOnBlurredNoisyTintedImages()
    {
        var random = new DeterministicRandom(77);
        var accuracy = Accuracy(300, image => ImageDegradation.Apply(image, blurSigma: 1.0, noiseSigma: 6, jitter: 0.08, random));
        Report("blur 1.0 + noise 6 + jitter 8%", accuracy);
        Assert.All(accuracy, a => Assert.True(a >= 0.98, $"accuracy {a:P1}"));
    }

    [Fact]
    public void WorksAtOtherImageSizes()
    {
        var accuracy = Accuracy(100, image => image, imageSize: 128);
        Report("128 px", accuracy);
        Assert.All(accuracy, a => Assert.True(a >= 0.99, $"accuracy {a:P1}"));
    }

    [Fact]
    public void RecognisesEveryHeldOutPairOnEveryBackgroundAndPosition()
    {
        foreach (var (shape, color) in ShapesDataset.HeldOutPairs)
            foreach (var background in ShapesVocabulary.Colors.Where(c => c != color))
                foreach (var size in ShapesVocabulary.Sizes)
                {
                    var spec = new ShapeSpec(shape, color, background, size, (GridPosition)(((int)background + (int)size) % 9));
                    var verdict = ShapesJudge.Judge(ShapesDataset.Render(spec));
                    Assert.True(verdict.Matches(spec), $"{spec.CanonicalCaption}: judged {verdict}");
                    Assert.True(verdict.Confidence > 0.9, $"{spec.CanonicalCaption}: confidence {verdict.Confidence}");
                }
    }

    [Fact]
    public void AFlatImageHasNoObject()
    {
        var verdict = ShapesJudge.Judge(new RgbImage(64, 64, ShapesVocabulary.Rgb(ShapeColor.Green)));
        Assert.False(verdict.Found);
        Assert.Equal(ShapeColor.Green, verdict.Background);
        Assert.False(verdict.Matches(new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Green, ShapeSize.Small, GridPosition.Center)));
    }

    [Fact]
    public void ExplainsItsShapeDecisionWithFeatures()
    {
        var cross = ShapesJudge.Judge(ShapesDataset.Render(new ShapeSpec(ShapeKind.Cross, ShapeColor.Red, ShapeColor.Black, ShapeSize.Large, GridPosition.Center)));
        var f = cross.Features!;
        Assert.InRange(f.Fill, 0.5, 0.6);
        Assert.Equal(0, f.CornerFill);
        Assert.Equal(0, f.Hole);
        Assert.InRange(f.Mirror, 0.95, 1);

        var ring = ShapesJudge.Judge(ShapesDataset.Render(new ShapeSpec(ShapeKind.Ring, ShapeColor.Blue, ShapeColor.White, ShapeSize.Large, GridPosition.Left)));
        Assert.InRange(ring.Features!.Hole, 0.15, 0.25);
        Assert.Equal(ShapeKind.Ring, ShapesJudge.DecideShape(ring.Features));
    }
}
