using System.Net;
using System.Text.Json;
using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Pipelines;
using LatentSharp.Server;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Server;

/// <summary>LoRAs and embeddings through the A1111 API: listing as A1111 lists them, &lt;lora:…&gt; in prompts, infotext hashes, 400s.</summary>
[Collection(ServerCollection.Name)]
public class AdapterApiTests(ServerFixture fixture) : IDisposable
{
    readonly TempFolder folders = new();

    ServerOptions Options()
    {
        string loras = folders["loras"], embeddings = folders["embeddings"];
        Directory.CreateDirectory(loras);
        Directory.CreateDirectory(embeddings);
        File.Copy(Fixtures.Adapter("tiny-sd1-lora-kohya.safetensors"), Path.Combine(loras, "tinystyle.safetensors"), overwrite: true);
        File.Copy(Fixtures.Adapter("tiny-sd1-ti-a1111.safetensors"), Path.Combine(embeddings, "mytoken.safetensors"), overwrite: true);
        SafetensorsWriter.Write(Path.Combine(embeddings, "wide.safetensors"), new Dictionary<string, Tensor> { ["emb_params"] = zeros(1, 768) });
        return new ServerOptions { LoraDir = loras, EmbeddingsDir = embeddings };
    }

    [Fact]
    public async Task LorasAndEmbeddingsAreListedAsA1111ListsThem()
    {
        await using var server = await fixture.StartAsync(Options());
        var loras = await server.GetOkAsync("sdapi/v1/loras");
        var lora = Assert.Single(loras.EnumerateArray());
        Assert.Equal("tinystyle", lora.GetProperty("name").GetString());
        Assert.Equal("tiny-sd1", lora.GetProperty("alias").GetString());
        Assert.EndsWith("tinystyle.safetensors", lora.GetProperty("path").GetString());
        Assert.Equal("4", lora.GetProperty("metadata").GetProperty("ss_network_dim").GetString());

        var embeddings = await server.GetOkAsync("sdapi/v1/embeddings");
        var loaded = embeddings.GetProperty("loaded").GetProperty("mytoken");
        Assert.Equal((1000, "tiny-sd1", 32, 2), (loaded.GetProperty("step").GetInt32(), loaded.GetProperty("sd_checkpoint_name").GetString(),
            loaded.GetProperty("shape").GetInt32(), loaded.GetProperty("vectors").GetInt32()));
        Assert.Equal(768, embeddings.GetProperty("skipped").GetProperty("wide").GetProperty("shape").GetInt32());

        File.Copy(Fixtures.Adapter("tiny-sd1-lora-peft.safetensors"), Path.Combine(folders["loras"], "second.safetensors"));
        Assert.Single((await server.GetOkAsync("sdapi/v1/loras")).EnumerateArray());
        using (var refresh = await server.PostAsync("sdapi/v1/refresh-loras", new { })) Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.Equal(["second", "tinystyle"], (await server.GetOkAsync("sdapi/v1/loras")).EnumerateArray().Select(l => l.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task PromptLorasAndEmbeddingsApplyAndAreRecordedWithTheirHashes()
    {
        var options = Options();
        await using var server = await fixture.StartAsync(options);
        var body = new Dictionary<string, object> { ["prompt"] = "a photo of mytoken <lora:tinystyle:0.7>", ["steps"] = 3, ["seed"] = 5, ["sampler_name"] = "Euler", ["cfg_scale"] = 7 };
        var withLora = await server.PostOkAsync("sdapi/v1/txt2img", body);
        body["prompt"] = "a photo of mytoken";
        var without = await server.PostOkAsync("sdapi/v1/txt2img", body);
        Assert.NotEqual(TestServer.Png(withLora.GetProperty("images")[0]), TestServer.Png(without.GetProperty("images")[0]));

        using var lora = LoraFile.Load(Path.Combine(options.LoraDir!, "tinystyle.safetensors"));
        using var embedding = TextualInversionFile.Load(Path.Combine(options.EmbeddingsDir!, "mytoken.safetensors"));
        var parameters = TestServer.Parameters(withLora.GetProperty("images")[0]);
        Assert.Equal("a photo of mytoken <lora:tinystyle:0.7>", parameters.Prompt);
        Assert.Contains(new KeyValuePair<string, string>("Lora hashes", $"tinystyle: {lora.ShortHash}"), parameters.Extra);
        Assert.Contains(new KeyValuePair<string, string>("TI hashes", $"mytoken: {embedding.ShortHash}"), parameters.Extra);
        var extra = TestServer.Info(withLora).GetProperty("extra_generation_params");
        Assert.Equal($"tinystyle: {lora.ShortHash}", extra.GetProperty("Lora hashes").GetString());
        Assert.DoesNotContain(TestServer.Parameters(without.GetProperty("images")[0]).Extra, kv => kv.Key == "Lora hashes");

        // The same generation through the library: LoRA from the folder at 0.7, the embedding's word expanded.
        var pipeline = fixture.Pipeline;
        using var direct = pipeline.Generate(new GenerationRequest
        {
            Prompt = "a photo of mytoken <lora:tinystyle:0.7>", Steps = 3, Seed = 5, Scheduler = "euler", PromptSyntax = PromptSyntax.A1111, GuidanceScale = 7,
        });
        // Same image up to the last bit of a pixel (the server's worker thread rounds a few values differently).
        static int MaxDifference(byte[] a, byte[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        byte[] served = TestServer.Image(withLora.GetProperty("images")[0]).Pixels, servedWithout = TestServer.Image(without.GetProperty("images")[0]).Pixels;
        Assert.True(MaxDifference(served, direct.Images[0].Pixels) <= 1, "the server's image with the LoRA differs from the library's");
        Assert.True(MaxDifference(servedWithout, direct.Images[0].Pixels) > 1, "the LoRA changed nothing");
    }

    [Fact]
    public async Task AnUnknownLoraIsA400NamingIt()
    {
        await using var server = await fixture.StartAsync(Options());
        using var response = await server.PostAsync("sdapi/v1/txt2img", new { prompt = "a cat <lora:nosuch:1>", steps = 2 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("prompt", error.GetProperty("field").GetString());
        Assert.Contains("unknown LoRA 'nosuch'", error.GetProperty("detail").GetString());

        using var openai = await server.PostAsync("v1/images/generations", new { prompt = "a cat <lora:nosuch:1>" });
        Assert.Equal(HttpStatusCode.BadRequest, openai.StatusCode);
        Assert.Contains("nosuch", await openai.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WithoutFoldersTheListsAreEmptyAndTheBaseModelIsUsed()
    {
        await using var server = await fixture.StartAsync();
        Assert.Empty((await server.GetOkAsync("sdapi/v1/loras")).EnumerateArray());
        Assert.Empty((await server.GetOkAsync("sdapi/v1/embeddings")).GetProperty("loaded").EnumerateObject());
        Assert.Empty(fixture.Pipeline.Model.Loras.Active);
    }

    public void Dispose() => folders.Dispose();
}
