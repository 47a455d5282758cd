using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Cli;

public class InfoCommandTests
{
    static string Describe(string path)
    {
        using var output = new StringWriter();
        InfoCommand.Describe(path, output);
        return output.ToString();
    }

    [Fact]
    public void DescribesAFolderWithCountsDtypesAndSettings()
    {
        string text = Describe(Fixtures.TinySd2);
        Assert.Contains("tiny-sd2: Stable Diffusion 2.x, diffusers folder", text);
        Assert.Matches(@"unet\s+UNet2DConditionModel\s+1\.1M params\s+float32\s+block_out_channels \[32, 64\], layers 2, heads \[2, 4\], cross_attention_dim 16, linear projection yes", text);
        Assert.Matches(@"text_encoder\s+CLIPTextModel\s+798\.4K params\s+float32\s+hidden 16, 2 layers, 4 heads, gelu", text);
        Assert.Contains("latent channels 4, scaling factor 0.18215", text);
        Assert.Contains("DDIMScheduler, prediction v_prediction", text);
    }

    [Fact]
    public void DescribesASingleFileWithItsStoredDtype()
    {
        string text = Describe(Fixtures.TinySd1Single);
        Assert.Contains("single-file checkpoint", text);
        Assert.Matches(@"vae\s+AutoencoderKL\s+1\.4M params\s+float16", text);
        Assert.Contains("PNDMScheduler, prediction epsilon", text);
    }

    [Fact]
    public void WrongPathIsAnErrorExit() =>
        Assert.Equal(1, Program.RunReportingErrors(new InfoCommand(), ["/nonexistent/model"]));

    [Fact]
    public void NonModelFileIsAnErrorExit() =>
        Assert.Equal(1, Program.RunReportingErrors(new InfoCommand(), [Path.Combine(Fixtures.RepoRoot, "README.md")]));

    [Fact]
    public async Task WithNoPathItDescribesTheInstallationAndItsDefaultModel()
    {
        using var sd = SdProcess.Start("info");
        Assert.Equal(0, await sd.WaitForExitAsync(120));
        string text = string.Join('\n', sd.StandardOutput);
        Assert.Matches(@"LatentSharp \S+ \(", text);
        Assert.Matches(@"TorchSharp 0\.107\.0, LibTorch CPU, \d+ threads", text);
        Assert.Contains("the default (no --model)", text);
        Assert.Matches(@"unet\s+UNet2DConditionModel", text);
    }

    [Fact]
    public void TwoPathsAreAUsageError() =>
        Assert.Equal(2, Program.RunReportingErrors(new InfoCommand(), ["a", "b"]));
}
