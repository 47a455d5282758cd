using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class ImageReaderTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-reader-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void TransparencyIsCompositedOverWhite()
    {
        // Opaque red, fully transparent black, half-transparent blue.
        byte[] rgba = [255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 128];
        var image = ImageReader.Read(WriteBytes("alpha.png", PngTestFiles.Rgba(3, 1, rgba)));
        Assert.Equal(new Rgb(255, 0, 0), image[0, 0]);
        Assert.Equal(new Rgb(255, 255, 255), image[1, 0]);
        Assert.Equal(new Rgb(127, 127, 255), image[2, 0]);
    }

    [Fact]
    public void OversizedImagesAreRefusedFromTheHeader()
    {
        string path = WriteBytes("huge.png", PngTestFiles.ClaimingSize(20000, 100));
        var e = Assert.Throws<LatentSharpException>(() => ImageReader.Read(path));
        Assert.Equal($"{path}: image is 20000x100; the largest side LatentSharp reads is 16384 px", e.Message);
    }

    [Theory]
    [InlineData("garbage.png")]
    [InlineData("truncated.png")]
    [InlineData("empty.jpg")]
    public void UnreadableFilesGiveOneLineNamingTheFile(string name)
    {
        byte[] bytes = name switch
        {
            "garbage.png" => "this is not an image at all"u8.ToArray(),
            "truncated.png" => PngWriter.Encode(new RgbImage(64, 64, new Rgb(1, 2, 3)))[..60],
            _ => [],
        };
        string path = WriteBytes(name, bytes);
        var e = Assert.Throws<LatentSharpException>(() => ImageReader.Read(path));
        Assert.StartsWith($"{path}: not a readable image (", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AMissingFileIsOneLine()
    {
        string path = Path.Combine(dir, "nope.png");
        var e = Assert.Throws<LatentSharpException>(() => ImageReader.Read(path));
        Assert.Equal($"{path}: file not found", e.Message);
    }
}
