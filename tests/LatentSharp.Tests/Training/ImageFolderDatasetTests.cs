using LatentSharp.Imaging;
using LatentSharp.Tests.Support;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public class ImageFolderDatasetTests : IDisposable
{
    readonly TempFolder temp = new();

    public ImageFolderDatasetTests() => Directory.CreateDirectory(temp["data"]);

    public void Dispose() => temp.Dispose();

    static RgbImage Halves(int width, int height, Rgb left, Rgb right)
    {
        var image = new RgbImage(width, height, left);
        for (int y = 0; y < height; y++)
            for (int x = width / 2; x < width; x++) image[x, y] = right;
        return image;
    }

    [Fact]
    public void ReadsMetadataJsonlAndSkipsWhatItCannotUse()
    {
        string folder = TinyTraining.ShapesFolder(temp["data"], count: 4);
        var texts = File.ReadAllLines(Path.Combine(folder, ImageFolderDataset.MetadataFile))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();
        File.WriteAllText(Path.Combine(folder, "broken.png"), "not a png");
        File.AppendAllLines(Path.Combine(folder, ImageFolderDataset.MetadataFile),
        [
            """{"file_name": "broken.png", "text": "a broken image"}""",
            """{"file_name": "missing.png", "text": "no such file"}""",
            """{"file_name": "00000.png"}""",
            "not json",
        ]);

        using var data = ImageFolderDataset.Load(folder, new ImagePreprocessing(16));
        Assert.Equal(4, data.Count);
        Assert.Equal([4L, 3, 16, 16], data.Images.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Byte, data.Images.dtype);
        Assert.Equal(4, data.Skipped.Count);
        Assert.Contains(data.Skipped, s => s.File == "broken.png" && s.Reason.Contains("not a readable image"));
        Assert.Contains(data.Skipped, s => s.File == "missing.png");
        Assert.Equal(texts, data.Captions);
    }

    [Fact]
    public void ReadsCaptionFilesBesideImagesInSubfolders()
    {
        Directory.CreateDirectory(temp["data/sub"]);
        PngWriter.Write(temp["data/a.png"], new RgbImage(8, 8, Rgb.White));
        File.WriteAllText(temp["data/a.txt"], "  a white square \n");
        PngWriter.Write(temp["data/sub/b.png"], new RgbImage(8, 8, new Rgb(0, 0, 0)));
        File.WriteAllText(temp["data/sub/b.txt"], "a black square");
        PngWriter.Write(temp["data/c.png"], new RgbImage(8, 8, Rgb.White));

        using var data = ImageFolderDataset.Load(temp["data"], new ImagePreprocessing(8));
        Assert.Equal(["a white square", "a black square"], data.Captions);
        Assert.Equal(["a.png", Path.Combine("sub", "b.png")], data.Files);
        Assert.Equal("c.png", Assert.Single(data.Skipped).File);
    }

    [Fact]
    public void CentreCropKeepsTheMiddleAndSquashingKeepsEverything()
    {
        var red = new Rgb(255, 0, 0);
        var blue = new Rgb(0, 0, 255);
        // 64×16: red left half, blue right half. The centre crop (16×16 after scaling to height 16) straddles the middle.
        PngWriter.Write(temp["data/wide.png"], Halves(64, 16, red, blue));
        File.WriteAllText(temp["data/wide.txt"], "wide");

        using (var cropped = ImageFolderDataset.Load(temp["data"], new ImagePreprocessing(16)))
        {
            var image = ImageTensors.FromUnitRange(cropped.Images.to_type(TorchSharp.torch.ScalarType.Float32) / 255)[0];
            Assert.Equal(red, image[0, 8]);
            Assert.Equal(blue, image[15, 8]);
        }
        using var squashed = ImageFolderDataset.Load(temp["data"], new ImagePreprocessing(16, CenterCrop: false));
        var whole = ImageTensors.FromUnitRange(squashed.Images.to_type(TorchSharp.torch.ScalarType.Float32) / 255)[0];
        Assert.Equal(red, whole[2, 8]);
        Assert.Equal(blue, whole[13, 8]);
    }

    [Fact]
    public void MirroredCopiesAreFlippedWithLeftAndRightSwapped()
    {
        PngWriter.Write(temp["data/a.png"], Halves(8, 8, new Rgb(255, 0, 0), new Rgb(0, 0, 255)));
        File.WriteAllText(temp["data/a.txt"], "red on the left, blue on the Right");

        using var data = ImageFolderDataset.Load(temp["data"], new ImagePreprocessing(8));
        using var both = data.WithMirroredCopies();
        Assert.Equal(["red on the left, blue on the Right", "red on the right, blue on the Left"], both.Captions);
        TensorAssert.Equal(both.Images[0].flip(2), both.Images[1], "mirror image");
    }

    [Fact]
    public void AFolderWithoutUsableImagesIsOneClearError()
    {
        File.WriteAllText(temp["data/a.png"], "garbage");
        File.WriteAllText(temp["data/a.txt"], "caption");
        var e = Assert.Throws<LatentSharpException>(() => ImageFolderDataset.Load(temp["data"], new ImagePreprocessing(8)));
        Assert.Contains("no usable image", e.Message);
        Assert.Throws<LatentSharpException>(() => ImageFolderDataset.Load(temp["nowhere"], new ImagePreprocessing(8)));
    }

    [Theory]
    [InlineData("a circle on the left", "a circle on the right")]
    [InlineData("RIGHT side, Left side", "LEFT side, Right side")]
    [InlineData("leftover bright lights", "leftover bright lights")]
    public void CaptionMirroringSwapsWholeWords(string caption, string mirrored) =>
        Assert.Equal(mirrored, CaptionMirroring.SwapLeftRight(caption));
}
