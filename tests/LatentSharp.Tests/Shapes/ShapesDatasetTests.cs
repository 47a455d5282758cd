using LatentSharp.Imaging;
using LatentSharp.Shapes;

namespace LatentSharp.Tests.Shapes;

public class ShapesDatasetTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-shapes-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Bounding box (inclusive pixel indices) of pixels that differ from the background.</summary>
    static (int Left, int Top, int Right, int Bottom) ObjectPixels(RgbImage image, Rgb background)
    {
        int left = int.MaxValue, top = int.MaxValue, right = -1, bottom = -1;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                if (image[x, y] != background)
                    (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
        return (left, top, right, bottom);
    }

    [Fact]
    public void AttributesMatchThePixels()
    {
        foreach (var s in new ShapesDataset(seed: 3, split: ShapesSplit.All).Take(300))
        {
            var spec = s.Spec;
            var background = ShapesVocabulary.Rgb(spec.Background);
            var colour = ShapesVocabulary.Rgb(spec.Color);
            Assert.NotEqual(spec.Color, spec.Background);
            Assert.Equal(background, s.Image[0, 0]);

            var (left, top, right, bottom) = ShapeRasterizer.BoundingBox(spec.Shape, s.Geometry);
            var pixels = ObjectPixels(s.Image, background);
            // A pointed tip may cover less of its last pixel than one subsample: allow one pixel inward.
            Assert.InRange(pixels.Left, Math.Floor(left), Math.Floor(left) + 1);
            Assert.InRange(pixels.Top, Math.Floor(top), Math.Floor(top) + 1);
            Assert.InRange(pixels.Right, Math.Ceiling(right) - 2, Math.Ceiling(right) - 1);
            Assert.InRange(pixels.Bottom, Math.Ceiling(bottom) - 2, Math.Ceiling(bottom) - 1);
            Assert.True(left >= ShapesDataset.EdgeMargin && right <= 64 - ShapesDataset.EdgeMargin, $"{s.Index} leaves the margin");

            (double min, double max) = spec.Size == ShapeSize.Small ? (ShapesDataset.SmallMin, ShapesDataset.SmallMax) : (ShapesDataset.LargeMin, ShapesDataset.LargeMax);
            Assert.InRange(s.Geometry.Side, min, max);
            Assert.InRange(right - left, min, max);

            var (column, row) = ShapesVocabulary.Cell(spec.Position);
            Assert.Equal(column, (int)(s.Geometry.CenterX / (64 / 3.0)));
            Assert.Equal(row, (int)(s.Geometry.CenterY / (64 / 3.0)));
            if (spec.Size == ShapeSize.Small)
            {
                Assert.InRange(s.Geometry.CenterX, 64 * (2 * column + 1) / 6.0 - 3.125, 64 * (2 * column + 1) / 6.0 + 3.125);
                Assert.InRange(s.Geometry.CenterY, 64 * (2 * row + 1) / 6.0 - 3.125, 64 * (2 * row + 1) / 6.0 + 3.125);
            }

            // The ring's hole shows the background at the centre; every other shape is solid there.
            var centre = s.Image[(int)s.Geometry.CenterX, (int)s.Geometry.CenterY];
            Assert.Equal(spec.Shape == ShapeKind.Ring ? background : colour, centre);
        }
    }

    [Fact]
    public void HeldOutPairsAppearOnlyWhenAskedFor()
    {
        Assert.Equal(5, ShapesDataset.HeldOutPairs.Count);
        var train = new ShapesDataset(seed: 11).Take(3000).Select(s => s.Spec).ToList();
        Assert.DoesNotContain(train, s => s.IsHeldOut);
        Assert.Equal(48 - 5, train.Select(s => (s.Shape, s.Color)).Distinct().Count());

        var heldOut = new ShapesDataset(seed: 11, split: ShapesSplit.HeldOut).Take(200).Select(s => s.Spec).ToList();
        Assert.All(heldOut, s => Assert.True(s.IsHeldOut));
        Assert.Equal(5, heldOut.Select(s => (s.Shape, s.Color)).Distinct().Count());

        Assert.Contains(new ShapesDataset(seed: 11, split: ShapesSplit.All).Take(1000), s => s.Spec.IsHeldOut);
    }

    [Fact]
    public void CaptionsAreCanonicalHalfTheTimeAndNeverWrong()
    {
        var samples = new ShapesDataset(seed: 5).Take(2000).ToList();
        int canonical = samples.Count(s => s.Caption == s.Spec.CanonicalCaption);
        Assert.InRange(canonical, 900, 1100);
        Assert.True(samples.Select(s => s.Caption.Replace(ShapesVocabulary.Word(s.Spec.Color), "C")).Distinct().Count() > 500, "captions vary");
        foreach (var s in samples)
        {
            var words = s.Caption.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(ShapesVocabulary.Word(s.Spec.Shape), words);
            Assert.Equal(ShapesVocabulary.Shapes.Where(k => words.Contains(ShapesVocabulary.Word(k))), [s.Spec.Shape]);
            Assert.Equal(ShapesVocabulary.Sizes.Where(k => words.Contains(ShapesVocabulary.Word(k))).Except([s.Spec.Size]), []);
            var namedColours = ShapesVocabulary.Colors.Where(c => words.Contains(ShapesVocabulary.Word(c))).ToHashSet();
            Assert.Contains(s.Spec.Color, namedColours);
            Assert.Subset(new HashSet<ShapeColor> { s.Spec.Color, s.Spec.Background }, namedColours);
        }
    }


    [Fact]
    public void AxisCaptionsNameOnlyTheRightRowOrColumnAndLeaveImagesAlone()
    {
        var plain = new ShapesDataset(seed: 5).Take(1500).ToList();
        var axis = new ShapesDataset(seed: 5) { AxisCaptionShare = 1 / 3.0 }.Take(1500).ToList();
        Assert.Equal(plain.Select(s => s.Spec), axis.Select(s => s.Spec));
        Assert.Equal(plain.Select(s => s.Geometry), axis.Select(s => s.Geometry));
        string[] rows = ["top", "middle", "bottom"], columns = ["left", "middle", "right"];
        int byRow = 0, byColumn = 0;
        foreach (var s in axis)
        {
            var words = s.Caption.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            var (column, row) = ShapesVocabulary.Cell(s.Spec.Position);
            Assert.False(words.Contains("row") && words.Contains("column"), s.Caption);
            if (words.Contains("row"))
            {
                byRow++;
                Assert.Contains($"in the {rows[row]} row", s.Caption);
                Assert.Empty(words.Intersect(["left", "right", "center", "centered", .. rows.Except([rows[row]])]));
            }
            if (words.Contains("column"))
            {
                byColumn++;
                Assert.Contains($"in the {columns[column]} column", s.Caption);
                Assert.Empty(words.Intersect(["top", "bottom", "center", "centered", .. columns.Except([columns[column]])]));
            }
            Assert.Contains(ShapesVocabulary.Word(s.Spec.Color), words);
        }
        Assert.InRange(byRow, 200, 300);
        Assert.InRange(byColumn, 200, 300);
        Assert.Throws<LatentSharpException>(() => new ShapesDataset(seed: 5) { AxisCaptionShare = 1.5 });
    }

    [Fact]
    public void SmallShareSetsHowManyShapesAreSmall()
    {
        static double Small(IEnumerable<ShapesSample> samples) => samples.Average(s => s.Spec.Size == ShapeSize.Small ? 1.0 : 0.0);
        var twoThirds = new ShapesDataset(seed: 5) { SmallShare = 2 / 3.0 }.Take(1500).ToList();
        Assert.InRange(Small(twoThirds), 0.62, 0.71);
        Assert.InRange(Small(new ShapesDataset(seed: 5).Take(1500)), 0.45, 0.55);
        Assert.Equal(1.0, Small(new ShapesDataset(seed: 5) { SmallShare = 1 }.Take(200)));
        Assert.All(twoThirds.Where(s => s.Spec.Size == ShapeSize.Small), s => Assert.InRange(s.Geometry.Side, ShapesDataset.SmallMin, ShapesDataset.SmallMax));
        Assert.Throws<LatentSharpException>(() => new ShapesDataset(seed: 5) { SmallShare = 1.5 });
    }

    [Fact]
    public void CanonicalCaptionShareSetsHowManyCaptionsAreCanonical()
    {
        static double Canonical(IEnumerable<ShapesSample> samples) => samples.Average(s => s.Caption == s.Spec.CanonicalCaption ? 1.0 : 0.0);
        var standard = new ShapesDataset(seed: 5).Take(1200).ToList();
        // The default is the share data sets were made with before the option existed: the same captions, draw for draw.
        Assert.Equal(standard.Select(s => s.Caption), new ShapesDataset(seed: 5) { CanonicalCaptionShare = ShapesCaptions.CanonicalShare }.Take(1200).Select(s => s.Caption));
        Assert.InRange(Canonical(standard), 0.5, 0.62);
        var few = new ShapesDataset(seed: 5) { CanonicalCaptionShare = 0 }.Take(1200).ToList();
        // Only the canonical phrasing drawn among the six with nothing left out (1/6 · 0.8³ ≈ 0.085) stays canonical.
        Assert.InRange(Canonical(few), 0.05, 0.12);
        Assert.Equal(1.0, Canonical(new ShapesDataset(seed: 5) { CanonicalCaptionShare = 1 }.Take(200)));
        // Only the captions change: the same images.
        Assert.Equal(standard.Select(s => s.Spec), few.Select(s => s.Spec));
        Assert.Throws<LatentSharpException>(() => new ShapesDataset(seed: 5) { CanonicalCaptionShare = -0.1 });
    }

    [Fact]
    public void CanonicalCaptionIsTheSpecifiedSentence()
    {
        var spec = new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, GridPosition.Center);
        Assert.Equal("a large red circle in the center on a blue background", spec.CanonicalCaption);
        Assert.Equal("a small white cross at the bottom right on a black background",
            new ShapeSpec(ShapeKind.Cross, ShapeColor.White, ShapeColor.Black, ShapeSize.Small, GridPosition.BottomRight).CanonicalCaption);
    }

    [Fact]
    public void RenderDrawsExactlyTheRequestedHeldOutCombination()
    {
        var spec = new ShapeSpec(ShapeKind.Triangle, ShapeColor.Purple, ShapeColor.White, ShapeSize.Large, GridPosition.TopLeft);
        var image = ShapesDataset.Render(spec);
        var (left, top, right, bottom) = ObjectPixels(image, ShapesVocabulary.Rgb(ShapeColor.White));
        Assert.InRange((left + right) / 2.0, 14, 20);
        Assert.InRange(right - left + 1, 28, 30);
        Assert.Equal(ShapesVocabulary.Rgb(ShapeColor.Purple), image[(left + right) / 2, bottom - 2]);
        Assert.Throws<LatentSharpException>(() => ShapesDataset.Render(spec with { Background = ShapeColor.Purple }));
    }

    [Fact]
    public void OtherImageSizesScaleTheGeometry()
    {
        var small = new ShapesDataset(seed: 9).Get(4);
        var large = new ShapesDataset(seed: 9, imageSize: 128).Get(4);
        Assert.Equal(small.Spec, large.Spec);
        Assert.Equal(small.Caption, large.Caption);
        Assert.Equal(128, large.Image.Width);
        Assert.InRange(large.Geometry.Side / small.Geometry.Side, 1.97, 2.03);
    }

    [Fact]
    public void TheSameSeedWritesByteIdenticalFiles()
    {
        string a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b"), c = Path.Combine(dir, "c");
        ShapesDatasetWriter.Write(new ShapesDataset(21), 40, a);
        ShapesDatasetWriter.Write(new ShapesDataset(21), 40, b);
        ShapesDatasetWriter.Write(new ShapesDataset(22), 40, c);
        var files = Directory.GetFiles(a).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(41, files.Count);
        Assert.All(files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(a, f!)), File.ReadAllBytes(Path.Combine(b, f!))));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "metadata.jsonl")), File.ReadAllBytes(Path.Combine(c, "metadata.jsonl")));
    }

    [Fact]
    public void MetadataFollowsTheImagefolderConventionAndDescribesEachImage()
    {
        ShapesDatasetWriter.Write(new ShapesDataset(2), 12, dir);
        var lines = File.ReadAllLines(Path.Combine(dir, ShapesDatasetWriter.MetadataFile));
        Assert.Equal(12, lines.Length);
        var sample = new ShapesDataset(2).Get(7);
        using var json = System.Text.Json.JsonDocument.Parse(lines[7]);
        var root = json.RootElement;
        Assert.Equal("00007.png", root.GetProperty("file_name").GetString());
        Assert.Equal(sample.Caption, root.GetProperty("text").GetString());
        Assert.Equal(sample.Spec.Shape, ShapesVocabulary.ParseShape(root.GetProperty("shape").GetString()!));
        Assert.Equal(sample.Spec.Color, ShapesVocabulary.ParseColor(root.GetProperty("color").GetString()!));
        Assert.Equal(sample.Spec.Background, ShapesVocabulary.ParseColor(root.GetProperty("background").GetString()!));
        Assert.Equal(sample.Spec.Size, ShapesVocabulary.ParseSize(root.GetProperty("size").GetString()!));
        Assert.Equal(sample.Spec.Position, ShapesVocabulary.ParsePosition(root.GetProperty("position").GetString()!));
        Assert.Equal(sample.Geometry.CenterX, root.GetProperty("center_x").GetDouble());
        Assert.Equal(4, root.GetProperty("bbox").GetArrayLength());

        string png = Path.Combine(dir, "00007.png");
        Assert.Equal(sample.Image.Pixels, ImageReader.Read(png).Pixels);
        var parameters = PngMetadata.ReadParameters(png)!;
        Assert.Equal(sample.Caption, parameters.Prompt);
        Assert.Contains(new KeyValuePair<string, string>("Index", "7"), parameters.Extra);
    }
}
