using LatentSharp.Imaging;
using LatentSharp.Server;
using LatentSharp.Tests.Pipelines;
using LatentSharp.Tests.Server;

namespace LatentSharp.Tests.Sdxl;

/// <summary>The server serves an SDXL model as any other: native size by default, listed in sd-models, SDXL infotext.</summary>
public class SdxlServerTests
{
    static Task<TestServer> Start() =>
        TestServer.StartAsync(TinyPipelines.Sdxl, new ServerOptions { Host = "127.0.0.1", Port = 0 });

    [Fact]
    public async Task A1111AndOpenAIEndpointsDefaultToTheModelsNativeSize()
    {
        await using var server = await Start();
        var a1111 = await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a lighthouse", steps = 2, seed = 3 });
        var image = ImageReader.Decode(TestServer.Png(a1111.GetProperty("images")[0]), "txt2img image");
        Assert.Equal((64, 64), (image.Width, image.Height));   // tiny-sdxl: sample_size 8 × VAE factor 8 (SDXL 1.0: 1024²)

        var openAI = await server.PostOkAsync("v1/images/generations", new { prompt = "a lighthouse", response_format = "b64_json" });
        var png = Convert.FromBase64String(openAI.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        var second = ImageReader.Decode(png, "OpenAI image");
        Assert.Equal((64, 64), (second.Width, second.Height));

        var models = await server.GetOkAsync("sdapi/v1/sd-models");
        Assert.Equal("tiny-sdxl", models[0].GetProperty("model_name").GetString());
    }

    [Fact]
    public async Task EmptyNegativePromptIsA1111sZeroConditioningAndTheInfotextIsComplete()
    {
        await using var server = await Start();
        var request = new { prompt = "a lighthouse", steps = 2, seed = 3, cfg_scale = 5, width = 64, height = 48 };
        var response = await server.PostOkAsync("sdapi/v1/txt2img", request);
        var parameters = GenerationParameters.Parse(PngMetadata.ReadText(new MemoryStream(TestServer.Png(response.GetProperty("images")[0])))["parameters"]);
        Assert.Equal(("a lighthouse", "", 64, 48, "tiny-sdxl"), (parameters.Prompt, parameters.NegativePrompt, parameters.Width, parameters.Height, parameters.Model));

        using var direct = TinyPipelines.Sdxl.Generate(new LatentSharp.Pipelines.GenerationRequest
        {
            Prompt = "a lighthouse", NegativePrompt = null, Steps = 2, Seed = 3, GuidanceScale = 5, Width = 64, Height = 48,
            Scheduler = TinyPipelines.Sdxl.DefaultSampler,
        });
        Assert.Equal(direct.Images[0].Pixels, TestServer.Image(response.GetProperty("images")[0]).Pixels);
    }
}
