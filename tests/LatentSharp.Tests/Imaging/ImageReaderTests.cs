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

    // A 16x8 baseline JPEG (cjpeg -quality 95 -sample 1x1): left half #DC2828, right half #2850DC.
    const string SmallJpeg = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgr/wAARCAAIABADAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD53r8HP9aDl6/2sP8ABs//2Q==";

    [Fact]
    public void DecodesJpeg()
    {
        var image = ImageReader.Read(WriteBytes("halves.jpg", Convert.FromBase64String(SmallJpeg)));
        Assert.Equal((16, 8), (image.Width, image.Height));
        Assert.True(image[2, 4].DistanceSquared(new Rgb(220, 40, 40)) < 100, $"left {image[2, 4]}");
        Assert.True(image[13, 4].DistanceSquared(new Rgb(40, 80, 220)) < 100, $"right {image[13, 4]}");
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
