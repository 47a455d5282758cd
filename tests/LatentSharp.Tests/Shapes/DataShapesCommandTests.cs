using LatentSharp.Cli;

namespace LatentSharp.Tests.Shapes;

public class DataShapesCommandTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-datacmd-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void WritesTheRequestedImagesAndMetadata()
    {
        Assert.Equal(0, Program.Main(["data", "shapes", "--count", "7", "--size", "32", "--seed", "4", "--split", "held-out", "--out", dir]));
        Assert.Equal(7, Directory.GetFiles(dir, "*.png").Length);
        var lines = File.ReadAllLines(Path.Combine(dir, "metadata.jsonl"));
        Assert.Equal(7, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"file_name\":", l));
    }

    [Theory]
    [InlineData("--split", "test")]
    [InlineData("--count", "0")]
    [InlineData("--colour", "red")]
    public void BadOptionsAreUsageErrors(string option, string value)
    {
        Assert.Equal(2, Program.Main(["data", "shapes", "--out", dir, option, value]));
        Assert.Empty(Directory.GetFiles(dir));
    }
}
