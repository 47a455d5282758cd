using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LatentSharp.Imaging;
using LatentSharp.Server;

namespace LatentSharp.Tests.Server;

[Collection(ServerCollection.Name)]
public class BadInputTests(ServerFixture fixture)
{
    static readonly string TinyPng = Convert.ToBase64String(PngWriter.Encode(new RgbImage(64, 64)));

    public static TheoryData<string, string, string> BadRequests() => new()
    {
        { "sdapi/v1/txt2img", """{"prompt": "x", "steps": -1}""", "steps" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "steps": 151}""", "steps" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "steps": "many"}""", "steps" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "width": 100}""", "width" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "height": 1032}""", "height" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "width": -64}""", "width" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "sampler_name": "Euler b"}""", "sampler_name" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "cfg_scale": -2}""", "cfg_scale" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "seed": -5}""", "seed" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "batch_size": 0}""", "batch_size" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "batch_size": 8, "n_iter": 8}""", "batch_size" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "enable_hr": true}""", "enable_hr" },
        { "sdapi/v1/txt2img", """{"prompt": "x", "scheduler": "Exponential"}""", "scheduler" },
        { "sdapi/v1/txt2img", """{"prompt": 12, """, "prompt" },
        { "sdapi/v1/txt2img", "", "body" },
        { "sdapi/v1/img2img", """{"prompt": "x"}""", "init_images" },
        { "sdapi/v1/img2img", """{"prompt": "x", "init_images": ["not base64!"]}""", "init_images" },
        { "sdapi/v1/img2img", """{"prompt": "x", "init_images": ["aGVsbG8gd29ybGQ="]}""", "init_images" },
        { "sdapi/v1/img2img", $$"""{"prompt": "x", "init_images": ["{{TinyPng}}"], "mask": "%%%"}""", "mask" },
        { "sdapi/v1/img2img", $$"""{"prompt": "x", "init_images": ["{{TinyPng}}"], "denoising_strength": 1.5}""", "denoising_strength" },
        { "v1/images/generations", """{"prompt": "x", "size": "100x100"}""", "size" },
        { "v1/images/generations", """{"prompt": "x", "size": "big"}""", "size" },
        { "v1/images/generations", """{"prompt": "x", "n": 99}""", "n" },
        { "v1/images/generations", """{"prompt": "x", "response_format": "url"}""", "response_format" },
        { "v1/images/generations", """{"size": "64x64"}""", "prompt" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputIsA400NamingTheField(string path, string body, string field)
    {
        await using var server = await fixture.StartAsync();
        using var response = await server.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(field, FieldOf(path, JsonDocument.Parse(text).RootElement));
        Assert.Equal(0, server.Queue.Waiting);
    }

    /// <summary>A1111 routes say {"field"}; OpenAI routes use OpenAI's {"error": {"param"}}.</summary>
    static string? FieldOf(string path, JsonElement error) => path.StartsWith("v1/")
        ? error.GetProperty("error").GetProperty("param").GetString()
        : error.GetProperty("field").GetString();

    [Fact]
    public async Task AnOversizedBodyIsRefusedWithoutBeingRead()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxBodyBytes = 64 * 1024 });
        string huge = $$"""{"prompt": "x", "init_images": ["{{new string('A', 100_000)}}"]}""";
        using var response = await server.Http.PostAsync("sdapi/v1/img2img", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("body", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task AnUploadLargerThanTheLimitIsRefusedBeforeDecoding()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxUploadSide = 128 });
        string big = Convert.ToBase64String(PngWriter.Encode(new RgbImage(256, 64)));
        using var response = await server.PostAsync("sdapi/v1/img2img", new { prompt = "x", init_images = new[] { big } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("256x64", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WithAnApiKeyRequestsNeedItAsBearerOrBasicAuth()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { ApiKey = "s3cret" });
        async Task<HttpStatusCode> Status(AuthenticationHeaderValue? auth)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "sdapi/v1/samplers") { Headers = { Authorization = auth } };
            using var response = await server.Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
                Assert.NotEmpty(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!);
            }
            return response.StatusCode;
        }
        static AuthenticationHeaderValue Basic(string user, string password) =>
            new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

        Assert.Equal(HttpStatusCode.Unauthorized, await Status(null));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(new("Bearer", "wrong")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(Basic("user", "wrong")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(new("Basic", "%%%")));
        Assert.Equal(HttpStatusCode.OK, await Status(new("Bearer", "s3cret")));
        Assert.Equal(HttpStatusCode.OK, await Status(Basic("anyone", "s3cret")));

        using var page = await server.Http.GetAsync("");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
    }

    [Fact]
    public async Task AMaskOfAnotherSizeThanTheImageIsA400NamingTheMask()
    {
        await using var server = await fixture.StartAsync();
        using var response = await server.PostAsync("sdapi/v1/img2img", new
        {
            prompt = "x", init_images = new[] { TinyPng }, mask = Convert.ToBase64String(PngWriter.Encode(new RgbImage(32, 32))),
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"mask\"", await response.Content.ReadAsStringAsync());
    }
}
