using System.ClientModel;
using LatentSharp.Server;
using OpenAI;
using OpenAI.Images;

namespace LatentSharp.Tests.Server;

/// <summary>The official OpenAI .NET SDK, pointed at the server, generates images as it would with OpenAI.</summary>
[Collection(ServerCollection.Name)]
public class OpenAICompatibilityTests(ServerFixture fixture)
{
    static ImageClient Client(TestServer server, string key) =>
        new("latentsharp", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(server.Server.Address, "v1") });

    [Fact]
    public async Task TheOpenAISdkGetsAPngThatTheA1111ApiReproducesFromItsParameters()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { ApiKey = "sk-local" });
        var options = new ImageGenerationOptions { Size = new GeneratedImageSize(64, 48), ResponseFormat = GeneratedImageFormat.Bytes };
        GeneratedImage image = await Client(server, "sk-local").GenerateImageAsync("a red circle on a blue background", options);

        byte[] png = image.ImageBytes.ToArray();
        var decoded = LatentSharp.Imaging.ImageReader.Decode(png, "OpenAI image");
        Assert.Equal((64, 48), (decoded.Width, decoded.Height));
        var parameters = LatentSharp.Imaging.GenerationParameters.Parse(LatentSharp.Imaging.PngMetadata.ReadText(new MemoryStream(png))["parameters"]);
        Assert.Equal("a red circle on a blue background", parameters.Prompt);

        server.Http.DefaultRequestHeaders.Authorization = new("Bearer", "sk-local");
        var again = await server.PostOkAsync("sdapi/v1/txt2img", new
        {
            prompt = parameters.Prompt, steps = parameters.Steps, cfg_scale = parameters.CfgScale, seed = parameters.Seed,
            sampler_name = parameters.Sampler, width = parameters.Width, height = parameters.Height,
        });
        Assert.Equal(png, TestServer.Png(again.GetProperty("images")[0]));
    }

    [Fact]
    public async Task TheSdkAsksForSeveralImagesAndSeesAuthenticationErrors()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { ApiKey = "sk-local" });
        var options = new ImageGenerationOptions { Size = new GeneratedImageSize(64, 64), ResponseFormat = GeneratedImageFormat.Bytes };
        GeneratedImageCollection images = await Client(server, "sk-local").GenerateImagesAsync("a green square", 2, options);
        Assert.Equal(2, images.Count);
        Assert.NotEqual(images[0].ImageBytes.ToArray(), images[1].ImageBytes.ToArray());

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Client(server, "sk-wrong").GenerateImageAsync("x", options));
        Assert.Equal(401, refused.Status);
    }
}
