using LatentSharp.Adapters;
using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Imaging;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Cli;

/// <summary>--lora, --lora-dir, --embedding and --prompt-syntax on `sd generate`; `sd data shapes --colors`.</summary>
public class AdapterCommandTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    static string Kohya => Fixtures.Adapter("tiny-sd1-lora-kohya.safetensors");

    int Generate(string prompt, string output, params string[] more) => Program.RunReportingErrors(new GenerateCommand(),
        [prompt, "--model", Fixtures.TinySd1, "--steps", "3", "--seed", "9", "--scheduler", "euler", "--output", temp[output], .. more]);

    [Fact]
    public void ALoraFileAndTheSameLoraByNameInThePromptGiveTheSameImageAndRecordTheHash()
    {
        Directory.CreateDirectory(temp["loras"]);
        File.Copy(Kohya, temp["loras/tinystyle.safetensors"]);
        Assert.Equal(0, Generate("a photo of a cat", "plain.png"));
        Assert.Equal(0, Generate("a photo of a cat", "file.png", "--lora", Kohya + ":0.6"));
        Assert.Equal(0, Generate("a photo of a cat <lora:tinystyle:0.6>", "tag.png", "--lora-dir", temp["loras"], "--prompt-syntax", "a1111"));

        var plain = ImageReader.Read(temp["plain.png"]).Pixels;
        var file = ImageReader.Read(temp["file.png"]).Pixels;
        Assert.NotEqual(plain, file);
        Assert.Equal(file, ImageReader.Read(temp["tag.png"]).Pixels);
        using var lora = LoraFile.Load(Kohya);
        Assert.Contains(new KeyValuePair<string, string>("Lora hashes", $"tiny-sd1-lora-kohya: {lora.ShortHash}"), PngMetadata.ReadParameters(temp["file.png"])!.Extra);
        Assert.Contains(new KeyValuePair<string, string>("Lora hashes", $"tinystyle: {lora.ShortHash}"), PngMetadata.ReadParameters(temp["tag.png"])!.Extra);
        Assert.Equal("a photo of a cat <lora:tinystyle:0.6>", PngMetadata.ReadParameters(temp["tag.png"])!.Prompt);
    }

    [Fact]
    public void PlainSyntaxTheDefaultReadsBracketsAsText()
    {
        Assert.Equal(0, Generate("a (cat:1.5)", "a1111.png", "--prompt-syntax", "a1111"));
        Assert.Equal(0, Generate("a (cat:1.5)", "plain.png"));
        Assert.NotEqual(ImageReader.Read(temp["a1111.png"]).Pixels, ImageReader.Read(temp["plain.png"]).Pixels);
    }

    [Fact]
    public void AnEmbeddingIsCalledByItsFileName()
    {
        File.Copy(Fixtures.Adapter("tiny-sd1-ti-a1111.safetensors"), temp["mytoken.safetensors"]);
        Assert.Equal(0, Generate("a photo of a cat", "cat.png", "--embedding", temp["mytoken.safetensors"]));
        Assert.Equal(0, Generate("a photo of mytoken", "token.png", "--embedding", temp["mytoken.safetensors"]));
        Assert.NotEqual(ImageReader.Read(temp["cat.png"]).Pixels, ImageReader.Read(temp["token.png"]).Pixels);
        Assert.Contains(PngMetadata.ReadParameters(temp["token.png"])!.Extra, kv => kv.Key == "TI hashes" && kv.Value.StartsWith("mytoken: "));
    }

    [Theory]
    [InlineData("a cat <lora:tinystyle:1>", new[] { "--prompt-syntax", "a1111" }, "no LoRA folder is set (--lora-dir)")]
    [InlineData("a cat", new[] { "--lora", "/no/such.safetensors" }, "/no/such.safetensors: file not found")]
    [InlineData("a (cat:1.2.3)", new[] { "--prompt-syntax", "a1111" }, "is not a weight")]
    public void BadAdaptersAreOneLineErrors(string prompt, string[] more, string expected)
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(1, Generate(prompt, "x.png", more));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains(expected, error.ToString());
        Assert.False(File.Exists(temp["x.png"]));
    }

    [Fact]
    public void DataShapesColorsAddsPink()
    {
        Assert.Equal(0, Program.RunReportingErrors(new DataShapesCommand(), ["--out", temp["data"], "--count", "40", "--colors", "+pink"]));
        Assert.Contains("\"color\":\"pink\"", File.ReadAllText(temp["data/metadata.jsonl"]));
        Assert.Equal(2, Program.RunReportingErrors(new DataShapesCommand(), ["--out", temp["bad"], "--colors", "red"]));
        Assert.Equal(2, Program.RunReportingErrors(new DataShapesCommand(), ["--out", temp["bad"], "--colors", "+mauve"]));
    }

    [Fact]
    public void DataShapesSmallShareMakesEveryShapeSmallAtOne()
    {
        Assert.Equal(0, Program.RunReportingErrors(new DataShapesCommand(), ["--out", temp["small"], "--count", "30", "--small-share", "1"]));
        Assert.All(File.ReadAllLines(temp["small/metadata.jsonl"]), line => Assert.Contains("\"size\":\"small\"", line));
        Assert.Equal(2, Program.RunReportingErrors(new DataShapesCommand(), ["--out", temp["bad"], "--small-share", "2"]));
    }

    [Fact]
    public void DataShapesCanonicalCaptionsAtOneWritesOnlyCanonicalCaptions()
    {
        Assert.Equal(0, Program.RunReportingErrors(new DataShapesCommand(), ["--out", temp["canonical"], "--count", "30", "--canonical-captions", "1"]));
        Assert.All(File.ReadAllLines(temp["canonical/metadata.jsonl"]), line => Assert.Matches("\"text\":\"an? (small|large) .* on an? [a-z]+ background\"", line));
        Assert.Equal(2, Program.RunReportingErrors(new DataShapesCommand(), ["--out", temp["bad2"], "--canonical-captions", "1.5"]));
    }
}
