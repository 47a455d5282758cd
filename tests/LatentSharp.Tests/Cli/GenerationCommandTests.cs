using LatentSharp.Checkpoints;
using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Imaging;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Cli;

public class GenerationCommandTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-generate-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string In(string name) => Path.Combine(dir, name);

    static int Run(SdCommand command, params string[] args) => Program.RunReportingErrors(command, args);

    [Fact]
    public void InitLatentsAndSaveTensorsReproduceTheDiffusersPipeline()
    {
        const string name = "pipe_sd1_pndm_cfg7.5";
        var tensors = Fixtures.Load(name);
        SafetensorsWriter.Write(In("init.safetensors"), new Dictionary<string, Tensor> { ["latents"] = tensors["in.latents"] });

        int exit = Run(new GenerateCommand(), "a photo of a cat", "--negative-prompt", "blurry, low quality", "--model", Fixtures.TinySd1,
            "--steps", "4", "--guidance", "7.5", "--seed", "0", "--init-latents", In("init.safetensors"),
            "--save-tensors", In("out.safetensors"), "--output", In("cat.png"));

        Assert.Equal(0, exit);
        using var saved = SafetensorsFile.Open(In("out.safetensors"));
        TensorAssert.Close(tensors["out.latents"], saved.Read("latents"), Fixtures.Atol(name), "latents");
        TensorAssert.Close(tensors["out.image"], saved.Read("image").permute(0, 2, 3, 1), Fixtures.Atol(name), "image");
        var parameters = PngMetadata.ReadParameters(In("cat.png"))!;
        Assert.Equal(("a photo of a cat", "blurry, low quality", 4, "PLMS", 7.5, 0L, 64, 64),
            (parameters.Prompt, parameters.NegativePrompt, parameters.Steps, parameters.Sampler, parameters.CfgScale, parameters.Seed, parameters.Width, parameters.Height));
        Assert.Equal(0, Run(new InfoCommand(), In("cat.png")));
    }

    [Fact]
    public void TheParametersInAPngRegenerateIt()
    {
        Assert.Equal(0, Run(new GenerateCommand(), "a red cube", "--model", Fixtures.TinySd1, "--steps", "6", "--scheduler", "euler_a",
            "--seed", "42", "--batch", "2", "--guidance", "5", "--output", In("batch.png")));
        var p = PngMetadata.ReadParameters(In("batch-1.png"))!;
        Assert.Equal(43, p.Seed);

        Assert.Equal(0, Run(new GenerateCommand(), p.Prompt, "--model", Fixtures.TinySd1, "--steps", p.Steps!.Value.ToString(),
            "--scheduler", SamplerNames.FromA1111(p.Sampler!)!, "--seed", p.Seed!.Value.ToString(), "--guidance", p.CfgScale!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--width", p.Width!.Value.ToString(), "--height", p.Height!.Value.ToString(), "--output", In("again.png")));
        // Alone, the same seed gives the same image up to float round-off of the batched convolutions.
        var fromBatch = ImageReader.Read(In("batch-1.png")).Pixels;
        var alone = ImageReader.Read(In("again.png")).Pixels;
        Assert.True(fromBatch.Zip(alone).All(p => Math.Abs(p.First - p.Second) <= 2), "image 1 of the batch regenerated alone");

        // And an image made alone is reproduced exactly from its own parameters.
        var q = PngMetadata.ReadParameters(In("again.png"))!;
        Assert.Equal(0, Run(new GenerateCommand(), q.Prompt, "--model", Fixtures.TinySd1, "--steps", q.Steps!.Value.ToString(),
            "--scheduler", SamplerNames.FromA1111(q.Sampler!)!, "--seed", q.Seed!.Value.ToString(), "--guidance", "5", "--output", In("third.png")));
        Assert.Equal(alone, ImageReader.Read(In("third.png")).Pixels);
    }

    [Fact]
    public void ImageToImageAndInpaintingWriteImages()
    {
        Assert.Equal(0, Run(new GenerateCommand(), "a cat", "--model", Fixtures.TinySd1, "--steps", "2", "--seed", "1", "--output", In("start.png")));
        PngWriter.Write(In("mask.png"), new RgbImage(64, 64, new Rgb(255, 255, 255)));
        Assert.Equal(0, Run(new Img2ImgCommand(), "a dog", "--model", Fixtures.TinySd1, "--image", In("start.png"), "--strength", "0.5",
            "--steps", "4", "--output", In("i2i.png")));
        Assert.Equal(0, Run(new InpaintCommand(), "a dog", "--model", Fixtures.TinySd1, "--image", In("start.png"), "--mask", In("mask.png"),
            "--steps", "2", "--mask-blur", "2", "--output", In("inpaint.png")));
        Assert.Equal(0.5, PngMetadata.ReadParameters(In("i2i.png"))!.DenoisingStrength);
        Assert.True(File.Exists(In("inpaint.png")));
    }

    public static IEnumerable<object[]> BadArguments() => new[]
    {
        new object[] { "generate", new[] { "x", "--width", "100" } },
        new object[] { "generate", new[] { "x", "--steps", "0" } },
        new object[] { "generate", new[] { "x", "--steps", "-5" } },
        new object[] { "generate", new[] { "x", "--guidance", "-1" } },
        new object[] { "generate", new[] { "x", "--scheduler", "fast" } },
        new object[] { "generate", new[] { "x", "--bogus", "1" } },
        new object[] { "generate", new[] { "x", "--model", "/nonexistent" } },
        new object[] { "img2img", new[] { "x", "--image", "/nonexistent.png" } },
        new object[] { "img2img", new[] { "x", "--image", "@README", "--strength", "1.5" } },
        new object[] { "inpaint", new[] { "x", "--image", "@IMG64", "--mask", "@IMG32" } },
        new object[] { "img2img", new[] { "x", "--image", "@README" } },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadInputIsOneLineErrorAndWritesNothing(string command, string[] args)
    {
        PngWriter.Write(In("img64.png"), new RgbImage(64, 64, new Rgb(1, 2, 3)));
        PngWriter.Write(In("img32.png"), new RgbImage(32, 32, new Rgb(1, 2, 3)));
        var substituted = args.Select(a => a switch
        {
            "@README" => Path.Combine(Fixtures.RepoRoot, "README.md"),
            "@IMG64" => In("img64.png"),
            "@IMG32" => In("img32.png"),
            _ => a,
        }).ToList();
        if (!substituted.Contains("--model")) substituted.AddRange(["--model", Fixtures.TinySd1]);
        substituted.AddRange(["--output", In("never.png")]);
        SdCommand cmd = command switch { "generate" => new GenerateCommand(), "img2img" => new Img2ImgCommand(), _ => new InpaintCommand() };

        Assert.NotEqual(0, Run(cmd, [.. substituted]));
        Assert.False(File.Exists(In("never.png")));
    }
}
