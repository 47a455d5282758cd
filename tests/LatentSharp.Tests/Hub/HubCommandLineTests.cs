using System.Net.Http.Json;
using System.Text.Json;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Hub;

/// <summary>`sd generate --model org/name` and `sd serve --model org/name` as real processes against the fake Hub.</summary>
[Collection(Server.ServerCollection.Name)]
public sealed class HubCommandLineTests : IAsyncLifetime, IDisposable
{
    const string RepoId = "latentsharp-tests/tiny-sd1";
    readonly TempFolder temp = new();
    FakeHub hub = null!;

    public async Task InitializeAsync()
    {
        hub = await FakeHub.StartAsync();
        hub.AddRepo(RepoId, FakeHub.FilesOf(Fixtures.TinySd1));
    }

    Dictionary<string, string?> Environment(bool offline = false) => new()
    {
        ["HF_HUB_CACHE"] = temp["hub"], ["HF_HOME"] = temp["home"], ["HF_ENDPOINT"] = hub.Endpoint.ToString(),
        ["HF_HUB_OFFLINE"] = offline ? "1" : null, ["HF_TOKEN"] = null, ["LATENTSHARP_MODEL"] = null,
    };

    [Fact]
    public async Task GenerateDownloadsWithProgressThenRunsFromTheCacheOffline()
    {
        using (var sd = SdProcess.Start(Environment(), "generate", "a red circle", "--model", RepoId, "--steps", "2", "--seed", "42", "--output", temp["online.png"]))
        {
            Assert.True(await sd.WaitForExitAsync(180) == 0, sd.Transcript());
            Assert.Contains(sd.StandardError, l => l.Contains("downloading unet/diffusion_pytorch_model.safetensors"));
        }
        Assert.True(File.Exists(temp["online.png"]));

        await hub.DisposeAsync();   // no Hub any more: the cache must do
        using (var sd = SdProcess.Start(Environment(offline: true), "generate", "a red circle", "--model", RepoId, "--steps", "2", "--seed", "42", "--output", temp["offline.png"]))
        {
            Assert.True(await sd.WaitForExitAsync(180) == 0, sd.Transcript());
            Assert.DoesNotContain(sd.StandardError, l => l.Contains("downloading"));
        }
        // The same pixels (the PNG's infotext differs only in the time it took).
        var online = LatentSharp.Imaging.ImageReader.Decode(File.ReadAllBytes(temp["online.png"]), "online");
        var offline = LatentSharp.Imaging.ImageReader.Decode(File.ReadAllBytes(temp["offline.png"]), "offline");
        Assert.Equal(online.Pixels, offline.Pixels);
        var parameters = LatentSharp.Imaging.GenerationParameters.Parse(LatentSharp.Imaging.PngMetadata.ReadText(File.OpenRead(temp["offline.png"]))[LatentSharp.Imaging.PngMetadata.ParametersKey]);
        Assert.Equal(RepoId, parameters.Model);
    }

    [Fact]
    public async Task AnUnknownRepositoryIsAOneLineErrorAndExitCode1()
    {
        using var sd = SdProcess.Start(Environment(), "generate", "x", "--model", "nobody/nothing", "--steps", "1", "--output", temp["x.png"]);
        Assert.Equal(1, await sd.WaitForExitAsync(120));
        Assert.Equal([$"sd generate: nobody/nothing was not found on {hub.Endpoint.Authority} (404)"], sd.StandardError.Where(l => !l.StartsWith("note:")));
        Assert.False(File.Exists(temp["x.png"]));
    }

    [Fact]
    public async Task ServeNamesTheModelByItsHubId()
    {
        using var sd = SdProcess.Start(Environment(), "serve", "--model", RepoId, "--port", "0", "--log-format", "none");
        var address = await sd.WaitForServingAsync(180);
        using var http = new HttpClient { BaseAddress = address };
        var models = JsonDocument.Parse(await http.GetStringAsync("sdapi/v1/sd-models")).RootElement;
        Assert.Equal(RepoId, models[0].GetProperty("model_name").GetString());
        Assert.Equal(RepoId, JsonDocument.Parse(await http.GetStringAsync("ready")).RootElement.GetProperty("model").GetString());
        sd.Signal(SdProcess.SIGTERM);
        Assert.Equal(0, await sd.WaitForExitAsync(60));
    }

    public async Task DisposeAsync() => await hub.DisposeAsync();

    public void Dispose() => temp.Dispose();
}
