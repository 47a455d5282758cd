using LatentSharp.Cli;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Api;

/// <summary>A PNG the API saved is one `sd info` describes (in "Alone": it captures the process-wide console).</summary>
[Collection("Alone")]
public class SdInfoReadsSavedPngTests
{
    [Fact]
    public void SdInfoPrintsTheInfotextThatSaveAsPngWrote()
    {
        using var temp = new TempFolder();
        using var result = TinyPipelines.Sd1.Generate(new GenerationRequest
        {
            Prompt = "a blue sphere, \"quoted\"", NegativePrompt = "blurry", Steps = 2, Seed = 77, GuidanceScale = 4.5,
        });
        result.SaveAsPng(temp["saved.png"]);

        var (exit, output, error) = ConsoleCapture.Run(() => Program.Main(["info", temp["saved.png"]]));

        Assert.True(exit == 0, error);
        Assert.Equal(result.Infotexts[0], output.TrimEnd('\n'));
        Assert.Contains("Seed: 77", output);
        Assert.StartsWith("a blue sphere, \"quoted\"\nNegative prompt: blurry\n", output);
    }
}
