using System.Net.Http.Json;
using System.Text.Json;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Server;
using LatentSharp.Server.Queue;

namespace LatentSharp.Tests.Server;

/// <summary>A running server and an HTTP client pointed at it, with helpers for the tests.</summary>
public sealed class TestServer : IAsyncDisposable
{
    TestServer(LatentSharpServer server)
    {
        Server = server;
        Http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public LatentSharpServer Server { get; }
    public HttpClient Http { get; }
    public GenerationQueue Queue => Server.Queue;

    public static async Task<TestServer> StartAsync(StableDiffusionPipeline pipeline, ServerOptions options) =>
        new(await LatentSharpServer.StartAsync(pipeline, options));

    public Task<HttpResponseMessage> PostAsync(string path, object body, CancellationToken cancellation = default) =>
        Http.PostAsJsonAsync(path, body, cancellation);

    /// <summary>Posts and returns the JSON answer, failing the test (with the body) unless it is a 200.</summary>
    public async Task<JsonElement> PostOkAsync(string path, object body)
    {
        using var response = await PostAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetOkAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits (bounded) until the worker has taken a job and finished a step.</summary>
    public Task WaitUntilRunningAsync() => WaitForAsync(() => Queue.Progress() is { Active: true, Step: > 0 }, "a running job");

    public static async Task WaitForAsync(Func<bool> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what} after {seconds} s");
            await Task.Delay(20);
        }
    }

    public static byte[] Png(JsonElement base64) => Convert.FromBase64String(base64.GetString()!);

    public static RgbImage Image(JsonElement base64) => ImageReader.Decode(Png(base64), "response image");

    /// <summary>The generation parameters stored in a response image's PNG.</summary>
    public static GenerationParameters Parameters(JsonElement base64) =>
        GenerationParameters.Parse(PngMetadata.ReadText(new MemoryStream(Png(base64)))[PngMetadata.ParametersKey]);

    public static JsonElement Info(JsonElement response) => JsonDocument.Parse(response.GetProperty("info").GetString()!).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
