using System.Diagnostics;
using LatentSharp.Imaging;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Api;

/// <summary>
/// The console programs in samples/ (built with the tests: the test project references them) run on the fixtures'
/// tiny model and write what they say.
/// </summary>
public class SampleProgramTests
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Fact]
    public void TextToImageWritesAPngWithItsInfotext()
    {
        using var temp = new TempFolder();
        var (exit, output) = RunSample("TextToImage", Fixtures.TinySd1, "a red cube", temp["cube.png"]);

        Assert.True(exit == 0, output);
        var parameters = PngMetadata.ReadParameters(temp["cube.png"])!;
        Assert.Equal(("a red cube", 42L, 20), (parameters.Prompt, parameters.Seed, parameters.Steps));
        Assert.Matches(@"step (\d+)/\1\n", output);    // the last step (20, or 21 with the model's own PNDM)
        Assert.Contains("wrote " + temp["cube.png"], output);
    }

    [Fact]
    public void ImageToImageWithLoraWritesTheImageAndAPreview()
    {
        using var temp = new TempFolder();
        new RgbImage(64, 64, new Rgb(200, 40, 40)).SaveAsPng(temp["in.png"]);
        string lora = Fixtures.Adapter("tiny-sd1-lora-kohya.safetensors");
        var (exit, output) = RunSample("ImageToImageWithLora", Fixtures.TinySd1, temp["in.png"], lora, "a red cube", temp["out.png"]);

        Assert.True(exit == 0, output);
        var parameters = PngMetadata.ReadParameters(temp["out.png"])!;
        Assert.Equal(0.6, parameters.DenoisingStrength);
        Assert.Contains("Lora hashes", parameters.Format());
        Assert.True(File.Exists(temp["out-preview.png"]), "no preview image");
        Assert.Matches(@"step (\d+)/\1\n", output);     // the last step (12 of 20 at strength 0.6, one more with PNDM)
    }

    [Fact]
    public async Task TextToImageLoadsAHubIdIntoTheHuggingFaceCache()
    {
        using var temp = new TempFolder();
        await using var hub = await LatentSharp.Tests.Hub.FakeHub.StartAsync();
        hub.AddRepo("latentsharp-tests/tiny-sd1", LatentSharp.Tests.Hub.FakeHub.FilesOf(Fixtures.TinySd1));
        var environment = new Dictionary<string, string?>
        {
            ["HF_HUB_CACHE"] = temp["hub"], ["HF_HOME"] = temp["home"], ["HF_ENDPOINT"] = hub.Endpoint.ToString(), ["HF_HUB_OFFLINE"] = null,
            ["HF_TOKEN"] = null,
        };
        var (exit, output) = RunSample("TextToImage", environment, "latentsharp-tests/tiny-sd1", "a red cube", temp["hub.png"]);

        Assert.True(exit == 0, output);
        Assert.Equal("latentsharp-tests/tiny-sd1", PngMetadata.ReadParameters(temp["hub.png"])!.Model);
        Assert.True(Directory.Exists(Path.Combine(temp["hub"], "models--latentsharp-tests--tiny-sd1", "snapshots")), "nothing in the Hub cache");
    }

    [Fact]
    public void ABadModelPathIsOneLineAndExitCodeOne()
    {
        using var temp = new TempFolder();
        var (exit, output) = RunSample("TextToImage", temp["no-such-model"], "a red cube");
        Assert.Equal(1, exit);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Runs samples/NAME's built program (same configuration as the tests) and returns its exit code and output.</summary>
    static (int Exit, string Output) RunSample(string name, params string[] arguments) => RunSample(name, new Dictionary<string, string?>(), arguments);

    /// <summary>Runs it with <paramref name="environment"/> added to (or, with null values, removed from) the test's own.</summary>
    static (int Exit, string Output) RunSample(string name, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        // The tests run from bin/CONFIGURATION/net10.0/; the samples build to the same place in their own folders.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string dll = Path.Combine(Fixtures.RepoRoot, "samples", name, "bin", framework.Parent!.Name, framework.Name, name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (the test project references the samples, so building the tests builds them)");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{name} did not finish within {Limit.TotalMinutes} minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
