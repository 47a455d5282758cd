using LatentSharp.Cli;
using LatentSharp.Cli.Commands;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Sdxl;

/// <summary>
/// `sd bench --in-process --json` on an SDXL model. In "Alone": it reads the process-wide console, which a test running
/// beside it could write into (seen: another test's output ahead of the JSON).
/// </summary>
[Collection("Alone")]
public class SdxlBenchCommandTests
{
    static int Run(SdCommand command, params string[] args) => Program.RunReportingErrors(command, args);

    [Fact]
    public void BenchMeasuresAnSdxlModelWithAndWithoutGuidance()
    {
        foreach (string guidance in new[] { "5", "0" })
        {
            var output = new StringWriter();
            var original = Console.Out;
            Console.SetOut(output);
            try
            {
                Assert.Equal(0, Run(new BenchCommand(), "--in-process", "--json", "--model", Fixtures.TinySdxl, "--size", "64",
                    "--precision", "fp32", "--repeats", "1", "--steps", "2", "--guidance", guidance));
            }
            finally
            {
                Console.SetOut(original);
            }
            using var json = System.Text.Json.JsonDocument.Parse(output.ToString().Trim());
            var root = json.RootElement;
            foreach (var field in new[] { "text_encode_s", "unet_pass_b1_s", "unet_pass_b2_s", "vae_decode_s", "image_s", "weights_mb" })
                Assert.True(root.GetProperty(field).GetDouble() > 0, field);
            Assert.Equal(double.Parse(guidance), root.GetProperty("guidance").GetDouble());
        }
    }
}
