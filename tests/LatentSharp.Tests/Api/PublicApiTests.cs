using LatentSharp.Adapters;
using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Imaging;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Api;

/// <summary>
/// The library's public API as a .NET developer uses it (load, generate / img2img with a request record, IProgress with
/// previews, CancellationToken, SaveAsPng), checked against the command line, which is the reference for its results.
/// </summary>
public class PublicApiTests : IDisposable
{
    const string Prompt = "a red cube on a table";
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    static int Sd(SdCommand command, params string[] args) => Program.RunReportingErrors(command, args);

    [Fact]
    public void LoadAndGenerateGiveTheImageAndInfotextOfSdGenerate()
    {
        Assert.Equal(0, Sd(new GenerateCommand(), Prompt, "--model", Fixtures.TinySd1, "--steps", "4", "--seed", "5", "--guidance", "6",
            "--scheduler", "euler", "--output", temp["cli.png"]));

        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1, Precision.Fp32);
        using var result = pipeline.Generate(new GenerationRequest { Prompt = Prompt, Steps = 4, Seed = 5, GuidanceScale = 6, Scheduler = "euler" });
        result.SaveAsPng(temp["api.png"]);

        Assert.Equal(ImageReader.Read(temp["cli.png"]).Pixels, result.Images[0].Pixels);
        Assert.Equal(ImageReader.Read(temp["cli.png"]).Pixels, ImageReader.Read(temp["api.png"]).Pixels);
        Assert.Equal(PngMetadata.ReadParameters(temp["cli.png"])!.Format(), result.Infotexts[0]);
        Assert.Equal(result.Infotexts[0], PngMetadata.ReadParameters(temp["api.png"])!.Format());
    }

    [Fact]
    public void ASingleFileCheckpointLoadsLikeItsFolder()
    {
        // A single file does not record the size the model was trained at: ask for the folder's.
        var request = new GenerationRequest { Prompt = Prompt, Steps = 3, Seed = 11, Scheduler = "euler", Width = 64, Height = 64 };
        using var single = StableDiffusionPipeline.Load(Fixtures.TinySd1Single, Precision.Fp32, tokenizerPath: Path.Combine(Fixtures.TinySd1, "tokenizer"));
        using var fromFile = single.Generate(request);
        using var fromFolder = TinyPipelines.Sd1.Generate(request);

        Assert.True(fromFile.Latents.allclose(fromFolder.Latents, rtol: 0, atol: 1e-4), "the single file's latents differ from the folder's");
        Assert.True(fromFile.Images[0].Pixels.Zip(fromFolder.Images[0].Pixels).All(p => Math.Abs(p.First - p.Second) <= 1), "the images differ");
    }

    [Fact]
    public void ProgressReportsEveryStepWithAPreviewOfTheImageSoFar()
    {
        var reports = new Reports();
        using var result = TinyPipelines.Sd1.Generate(new GenerationRequest { Prompt = Prompt, Steps = 5, Seed = 1, Scheduler = "euler" }, reports);

        Assert.Equal([1, 2, 3, 4, 5], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(5, r.TotalSteps));
        Assert.All(reports, r => Assert.Equal((64, 64), (r.Preview!.Width, r.Preview.Height)));
        // The last preview is the result itself; earlier ones are the same image less denoised.
        Assert.Equal(result.Images[0].Pixels, reports[^1].Preview!.Pixels);
        Assert.NotEqual(reports[0].Preview!.Pixels, reports[^1].Preview!.Pixels);
        Assert.Equal(1.0, reports[^1].Fraction);
    }

    [Fact]
    public void PreviewsComeEveryNthStepOrNever()
    {
        var request = new GenerationRequest { Prompt = Prompt, Steps = 5, Seed = 1, Scheduler = "euler" };
        var everySecond = new Reports();
        using (TinyPipelines.Sd1.Generate(request, everySecond, previewEvery: 2)) { }
        Assert.Equal([2, 4], everySecond.Where(r => r.Preview != null).Select(r => r.Step));
        Assert.Equal(5, everySecond.Count);

        var none = new Reports();
        using (TinyPipelines.Sd1.Generate(request, none, previewEvery: 0)) { }
        Assert.Equal(5, none.Count);
        Assert.All(none, r => Assert.Null(r.Preview));
    }

    [Fact]
    public void CancellingStopsWithinAStepWithOperationCanceledException()
    {
        using var cancel = new CancellationTokenSource();
        var reports = new Reports(onReport: r => { if (r.Step == 2) cancel.Cancel(); });
        var request = new GenerationRequest { Prompt = Prompt, Steps = 8, Seed = 1, Scheduler = "euler" };

        Assert.ThrowsAny<OperationCanceledException>(() => TinyPipelines.Sd1.Generate(request, reports, cancel.Token, previewEvery: 0));
        Assert.Equal([1, 2], reports.Select(r => r.Step));

        // A token cancelled before the start runs no step at all.
        var none = new Reports();
        Assert.ThrowsAny<OperationCanceledException>(() => TinyPipelines.Sd1.Generate(request, none, cancel.Token));
        Assert.Empty(none);
    }

    [Fact]
    public async Task GenerateAsyncRunsOffTheCallersThreadAndCancels()
    {
        var request = new GenerationRequest { Prompt = Prompt, Steps = 3, Seed = 9, Scheduler = "euler" };
        using var direct = TinyPipelines.Sd1.Generate(request);
        using var awaited = await TinyPipelines.Sd1.GenerateAsync(request);
        Assert.Equal(direct.Images[0].Pixels, awaited.Images[0].Pixels);

        using var cancel = new CancellationTokenSource();
        var reports = new Reports(onReport: r => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TinyPipelines.Sd1.GenerateAsync(request, reports, cancel.Token, previewEvery: 0));
        Assert.Single(reports);
    }

    [Fact]
    public void ImageToImageWithALoraGivesWhatSdImg2ImgGives()
    {
        string loraPath = Fixtures.Adapter("tiny-sd1-lora-kohya.safetensors");
        var start = Start();
        start.SaveAsPng(temp["start.png"]);
        Assert.Equal(0, Sd(new Img2ImgCommand(), Prompt, "--model", Fixtures.TinySd1, "--image", temp["start.png"], "--strength", "0.6",
            "--steps", "5", "--seed", "3", "--lora", loraPath + ":0.8", "--output", temp["cli.png"]));

        // Its own pipeline: a LoRA is merged into the model's weights, which the shared tiny pipeline must not see.
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1, Precision.Fp32);
        using var lora = LoraFile.Load(loraPath);
        var request = new GenerationRequest
        {
            Prompt = Prompt, Image = RgbImage.Load(temp["start.png"]), Strength = 0.6, Steps = 5, Seed = 3, Loras = [new LoraApplication(lora, 0.8)],
        };
        var reports = new Reports();
        using var withLora = pipeline.ImageToImage(request, reports);
        using var without = pipeline.ImageToImage(request with { Loras = [] });

        Assert.Equal(ImageReader.Read(temp["cli.png"]).Pixels, withLora.Images[0].Pixels);
        Assert.Equal(PngMetadata.ReadParameters(temp["cli.png"])!.Format(), withLora.Infotexts[0]);
        Assert.Contains($"Lora hashes: \"{lora.Name}: {lora.ShortHash}\"", withLora.Infotexts[0]);
        Assert.Contains("Denoising strength: 0.6", withLora.Infotexts[0]);
        Assert.NotEqual(without.Images[0].Pixels, withLora.Images[0].Pixels);
        // Strength 0.6 of 5 steps runs the last 3, and PNDM (tiny-sd1's own scheduler) one more.
        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(4, r.TotalSteps));
    }

    [Fact]
    public void InpaintGivesWhatSdInpaintGives()
    {
        Start().SaveAsPng(temp["start.png"]);
        var mask = new RgbImage(64, 64);
        mask.Paste(new RgbImage(32, 64, new Rgb(255, 255, 255)), 32, 0);    // repaint the right half
        mask.SaveAsPng(temp["mask.png"]);
        Assert.Equal(0, Sd(new InpaintCommand(), Prompt, "--model", Fixtures.TinySd1, "--image", temp["start.png"], "--mask", temp["mask.png"],
            "--steps", "3", "--seed", "2", "--output", temp["cli.png"]));

        using var result = TinyPipelines.Sd1.Inpaint(new GenerationRequest
        {
            Prompt = Prompt, Image = RgbImage.Load(temp["start.png"]), Mask = RgbImage.Load(temp["mask.png"]), Steps = 3, Seed = 2,
        });

        Assert.Equal(ImageReader.Read(temp["cli.png"]).Pixels, result.Images[0].Pixels);
        Assert.Equal(PngMetadata.ReadParameters(temp["cli.png"])!.Format(), result.Infotexts[0]);
    }

    [Fact]
    public void EachModeRefusesARequestOfAnotherMode()
    {
        var pipeline = TinyPipelines.Sd1;
        var text = new GenerationRequest { Prompt = Prompt, Steps = 1 };
        var image = text with { Image = Start() };
        Assert.Contains("needs an Image", Assert.Throws<ArgumentException>(() => pipeline.ImageToImage(text)).Message);
        Assert.Contains("needs a Mask", Assert.Throws<ArgumentException>(() => pipeline.Inpaint(image)).Message);
        Assert.Contains("takes no Image", Assert.Throws<ArgumentException>(() => pipeline.TextToImage(image)).Message);
        Assert.Contains("takes no Mask", Assert.Throws<ArgumentException>(() => pipeline.ImageToImage(image with { Mask = new RgbImage(64, 64) })).Message);
    }

    [Fact]
    public void SaveAsPngRefusesAnImageTheResultDoesNotHave()
    {
        using var result = TinyPipelines.Sd1.Generate(new GenerationRequest { Prompt = Prompt, Steps = 1, BatchSize = 2 });
        result.SaveAsPng(temp["second.png"], 1);
        Assert.Equal(result.Seeds[1], PngMetadata.ReadParameters(temp["second.png"])!.Seed);
        Assert.Throws<ArgumentOutOfRangeException>(() => result.SaveAsPng(temp["third.png"], 2));
        Assert.False(File.Exists(temp["third.png"]));
    }

    /// <summary>A 64×64 picture with a left and a right half of different colours.</summary>
    static RgbImage Start()
    {
        var image = new RgbImage(64, 64, new Rgb(30, 60, 200));
        image.Paste(new RgbImage(32, 64, new Rgb(220, 40, 40)), 32, 0);
        return image;
    }

    /// <summary>Collects reports on the generating thread (Progress&lt;T&gt; would post them to the thread pool).</summary>
    sealed class Reports(Action<GenerationProgress>? onReport = null) : List<GenerationProgress>, IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value)
        {
            Add(value);
            onReport?.Invoke(value);
        }
    }
}
