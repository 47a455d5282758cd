using LatentSharp.Checkpoints;
using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Imaging;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Sdxl;

/// <summary>`sd generate` and `sd info` with SDXL models: the SDXL options reach the pipeline, and bad ones are usage errors.</summary>
public class SdxlCommandTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-sdxl-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string In(string name) => Path.Combine(dir, name);

    static int Run(SdCommand command, params string[] args) => Program.RunReportingErrors(command, args);

    [Fact]
    public void GenerateReproducesTheMicroConditioningCaseFromTheSingleFile()
    {
        const string name = "sdxl_pipe_euler_ancestral_cfg5_microcond";
        var tensors = Fixtures.Load(name);
        SafetensorsWriter.Write(In("init.safetensors"), new Dictionary<string, Tensor> { ["latents"] = tensors["in.latents"] });

        int exit = Run(new GenerateCommand(), "an astronaut riding a horse on the moon, highly detailed!", "--negative-prompt", "blurry, low quality",
            "--model", Fixtures.TinySdxlSingle, "--model-config", Fixtures.TinySdxl, "--scheduler", "euler_a", "--steps", "4", "--guidance", "5",
            "--seed", "5", "--original-size", "80x96", "--crop-top-left", "8,16", "--target-size", "64x48",
            "--init-latents", In("init.safetensors"), "--save-tensors", In("out.safetensors"), "--output", In("astronaut.png"));

        Assert.Equal(0, exit);
        using var saved = SafetensorsFile.Open(In("out.safetensors"));
        TensorAssert.Close(tensors["out.latents"], saved.Read("latents"), Fixtures.Atol(name), "latents");
        var extra = PngMetadata.ReadParameters(In("astronaut.png"))!.Extra;
        Assert.Contains(new KeyValuePair<string, string>("Original size", "80x96"), extra);
        Assert.Contains(new KeyValuePair<string, string>("Crop top left", "8,16"), extra);
        Assert.Contains(new KeyValuePair<string, string>("Target size", "64x48"), extra);
    }

    [Fact]
    public void NegativePromptNotGivenIsZerosAndEmptyIsEncoded()
    {
        foreach (var (file, negative) in new[] { ("none", (string?)null), ("empty", "") })
        {
            var args = new List<string> { "a lighthouse", "--model", Fixtures.TinySdxl, "--steps", "2", "--guidance", "5", "--seed", "1",
                "--save-tensors", In(file + ".safetensors"), "--output", In(file + ".png") };
            if (negative != null) args.AddRange(["--negative-prompt", negative]);
            Assert.Equal(0, Run(new GenerateCommand(), [.. args]));
        }
        using var none = SafetensorsFile.Open(In("none.safetensors"));
        using var empty = SafetensorsFile.Open(In("empty.safetensors"));
        Assert.True(TensorAssert.MaxAbsDiff(none.Read("latents"), empty.Read("latents")) > 1e-3);
    }

    [Theory]
    [InlineData("--original-size", "1024")]
    [InlineData("--target-size", "0x512")]
    [InlineData("--crop-top-left", "-1,0")]
    [InlineData("--timestep-spacing", "sideways")]
    public void MalformedSdxlOptionIsAUsageError(string option, string value) =>
        Assert.Equal(2, Run(new GenerateCommand(), "a lighthouse", "--model", Fixtures.TinySdxl, option, value, "--output", In("x.png")));

    [Fact]
    public void InfoNamesTheKindAndBothTextEncoders()
    {
        using var output = new StringWriter();
        InfoCommand.Describe(Fixtures.TinySdxl, output);
        string text = output.ToString();
        Assert.Contains("tiny-sdxl: Stable Diffusion XL, diffusers folder", text);
        Assert.Matches(@"text_encoder\s+CLIPTextModel\s+398\.5K params\s+float32\s+hidden 8, 3 layers, 2 heads, quick_gelu", text);
        Assert.Matches(@"text_encoder_2\s+CLIPTextModelWithProjection\s+800\.2K params\s+float32\s+hidden 16, 3 layers, 2 heads, gelu, projection 12", text);
        Assert.Contains("added embedding text_time (pooled + 6 × 8)", text);
        Assert.Contains("negative prompt not given → zeros (force_zeros_for_empty_prompt)", text);
    }

    [Fact]
    public void InfoOnTheTinySingleFileNeedsItsConfigsAndSaysSo()
    {
        Assert.Equal(1, Run(new InfoCommand(), Fixtures.TinySdxlSingle));
        Assert.Equal(0, Run(new InfoCommand(), Fixtures.TinySdxlSingle, "--model-config", Fixtures.TinySdxl));
    }

    [Fact]
    public void FolderWithoutTextEncoder2IsAnErrorExit()
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(Fixtures.TinySdxl, "model");
        Directory.Delete(Path.Combine(folder, "text_encoder_2"), recursive: true);
        Assert.Equal(1, Run(new InfoCommand(), folder));
        Assert.Equal(1, Run(new GenerateCommand(), "a lighthouse", "--model", folder, "--output", In("x.png")));
        Assert.False(File.Exists(In("x.png")));
    }
}
