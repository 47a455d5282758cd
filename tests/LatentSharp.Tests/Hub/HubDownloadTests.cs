using System.Text;
using LatentSharp.Hub;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Hub;

/// <summary>
/// Hub ids resolved through a fake Hub on loopback serving tiny-sd1: what is fetched, the cache layout it lands
/// in, offline use, resume after a dropped connection or an earlier partial file, checksums, tokens and errors.
/// Every download is bounded by a 60 s cancellation.
/// </summary>
public sealed class HubDownloadTests : IAsyncLifetime, IDisposable
{
    const string RepoId = "latentsharp-tests/tiny-sd1";
    static readonly byte[] SafetyCheckerWeights = Encoding.ASCII.GetBytes(new string('s', 5000));

    readonly TempFolder cache = new();
    readonly CancellationTokenSource bound = new(TimeSpan.FromSeconds(60));
    FakeHub hub = null!;
    Dictionary<string, byte[]> files = null!;
    string commit = "";

    public async Task InitializeAsync()
    {
        hub = await FakeHub.StartAsync();
        files = FakeHub.FilesOf(Fixtures.TinySd1);
        // What a real SD repository also holds, none of which LatentSharp should fetch.
        files["model_index.json"] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(files["model_index.json"])
            .Replace("\"safety_checker\": [\n    null,\n    null\n  ]", "\"safety_checker\": [\n    \"stable_diffusion\",\n    \"StableDiffusionSafetyChecker\"\n  ]"));
        Assert.Contains("StableDiffusionSafetyChecker", Encoding.UTF8.GetString(files["model_index.json"]));
        files["safety_checker/config.json"] = "{}"u8.ToArray();
        files["safety_checker/model.safetensors"] = SafetyCheckerWeights;
        files["unet/diffusion_pytorch_model.bin"] = "not a pickle, and never fetched"u8.ToArray();
        files["README.md"] = "# tiny"u8.ToArray();
        commit = hub.AddRepo(RepoId, files);
    }

    HubSettings Settings(bool offline = false, string? token = null) => new()
    {
        CacheDirectory = cache.Path, Endpoint = hub.Endpoint, Offline = offline, Token = token,
        IdleTimeout = TimeSpan.FromSeconds(5), Attempts = 3, RetryDelay = TimeSpan.FromMilliseconds(10),
    };

    Task<string> Download(string id, HubSettings? settings = null, bool preferHalf = false, List<string>? notices = null) =>
        HubModels.DownloadAsync(HubModelId.Parse(id), new HubDownloadOptions
        {
            Settings = settings ?? Settings(), PreferHalfPrecision = preferHalf, Notice = notices is null ? null : notices.Add,
        }, bound.Token);

    string RepoFolder => Path.Combine(cache.Path, "models--latentsharp-tests--tiny-sd1");
    string Blob(string path) => Path.Combine(RepoFolder, "blobs", FakeHub.Sha256(files[path]));

    [Fact]
    public async Task FetchesOnlyThePipelinesFilesIntoTheSharedCacheLayoutAndLoadsTheSameModel()
    {
        string snapshot = await Download(RepoId);

        Assert.Equal(Path.Combine(RepoFolder, "snapshots", commit), snapshot);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));
        string[] expected =
        [
            "model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json", "text_encoder/model.safetensors",
            "tokenizer/merges.txt", "tokenizer/special_tokens_map.json", "tokenizer/tokenizer_config.json", "tokenizer/vocab.json",
            "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
        ];
        var present = Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(snapshot, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, present);
        Assert.DoesNotContain(hub.Requests, r => r.Path.Contains("safety_checker") || r.Path.EndsWith(".bin") || r.Path.Contains("README"));

        // Weights: blobs named by SHA-256, snapshot entries relative links to them, as huggingface_hub lays them out.
        var unet = new FileInfo(Path.Combine(snapshot, "unet", "diffusion_pytorch_model.safetensors"));
        Assert.Equal($"../../../blobs/{FakeHub.Sha256(files["unet/diffusion_pytorch_model.safetensors"])}", unet.LinkTarget);
        Assert.Equal(files["unet/diffusion_pytorch_model.safetensors"], File.ReadAllBytes(Blob("unet/diffusion_pytorch_model.safetensors")));
        // Small files: named by their git blob id (the ETag the Hub gives them).
        Assert.True(File.Exists(Path.Combine(RepoFolder, "blobs", FakeHub.GitBlobId(files["unet/config.json"]))));
        Assert.Empty(Directory.EnumerateFiles(RepoFolder, "*.incomplete", SearchOption.AllDirectories));

        // The snapshot is a model: the same latents as the fixture folder it was served from.
        using var fromHub = StableDiffusionPipeline.Load(snapshot);
        var request = new GenerationRequest { Prompt = "a red circle", Steps = 3, Seed = 7 };
        using var a = fromHub.Generate(request);
        using var b = TinyPipelines.Exclusive(() => TinyPipelines.Sd1.Generate(request));
        Assert.True(a.Latents.eq(b.Latents).all().item<bool>());
    }

    [Fact]
    public async Task ACachedRevisionIsUsedWithoutTheHubAndOfflineWithoutItFailsInOneLine()
    {
        var offlineMissing = await Assert.ThrowsAsync<LatentSharpException>(() => Download(RepoId, Settings(offline: true)));
        Assert.Contains("not in the Hugging Face cache", offlineMissing.Message);
        Assert.Contains("HF_HUB_OFFLINE", offlineMissing.Message);
        Assert.Empty(hub.Requests);

        string snapshot = await Download(RepoId);
        int requests = hub.Requests.Count;
        Assert.Equal(snapshot, await Download(RepoId, Settings(offline: true)));
        Assert.Equal(snapshot, await Download(RepoId));                            // online too: the cached ref is enough
        Assert.Equal(snapshot, await Download($"{RepoId}@{commit}", Settings(offline: true)));
        Assert.Equal(requests, hub.Requests.Count);
    }

    [Fact]
    public async Task ADroppedConnectionResumesWhereItStopped()
    {
        var unet = files["unet/diffusion_pytorch_model.safetensors"];
        long half = unet.Length / 2;
        hub.DropConnectionOnce(unet, half);
        var notices = new List<string>();

        await Download(RepoId, notices: notices);

        Assert.Equal(unet, File.ReadAllBytes(Blob("unet/diffusion_pytorch_model.safetensors")));
        // The second request asks for the rest from what had arrived (the server sent half; the reset may lose some in flight).
        var cdn = hub.Requests.Where(r => r.Path == $"/cdn/{FakeHub.Sha256(unet)}").Select(r => r.Range).ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0]);
        Assert.Matches(@"^bytes=\d+-$", cdn[1]);
        long resumedAt = long.Parse(cdn[1]![6..^1]);
        Assert.InRange(resumedAt, 1, half);
        Assert.Contains(notices, n => n.Contains("unet/diffusion_pytorch_model.safetensors") && n.Contains("resuming"));
    }

    [Fact]
    public async Task APartialFileFromAnEarlierRunIsResumed()
    {
        var vae = files["vae/diffusion_pytorch_model.safetensors"];
        Directory.CreateDirectory(Path.Combine(RepoFolder, "blobs"));
        File.WriteAllBytes(Blob("vae/diffusion_pytorch_model.safetensors") + ".incomplete", vae[..1000]);

        await Download(RepoId);

        Assert.Equal(vae, File.ReadAllBytes(Blob("vae/diffusion_pytorch_model.safetensors")));
        Assert.Equal(["bytes=1000-"], hub.Requests.Where(r => r.Path == $"/cdn/{FakeHub.Sha256(vae)}").Select(r => r.Range));
    }

    [Fact]
    public async Task AFileWithAWrongChecksumIsRefusedAndNothingOfItIsKept()
    {
        hub.Corrupt(files["vae/diffusion_pytorch_model.safetensors"]);

        var e = await Assert.ThrowsAsync<LatentSharpException>(() => Download(RepoId));

        Assert.Contains("vae/diffusion_pytorch_model.safetensors failed its checksum", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(Blob("vae/diffusion_pytorch_model.safetensors")));
        Assert.Empty(Directory.EnumerateFiles(RepoFolder, "*.incomplete", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", commit, "vae", "diffusion_pytorch_model.safetensors")));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "refs", "main")), "an unfinished download records no ref");
    }

    [Fact]
    public async Task AnUnreachableCdnIsNamedInTheError()
    {
        hub.CdnHost = "127.0.0.2";   // loopback, but the fake Hub listens on 127.0.0.1 only: connection refused

        var e = await Assert.ThrowsAsync<HubUnreachableException>(() => Download(RepoId));

        Assert.Contains($"cannot reach 127.0.0.2:{hub.Endpoint.Port}", e.Message);
        Assert.Contains("run again to resume", e.Message);
    }

    [Fact]
    public async Task APrivateRepositoryNeedsHfTokenWhichNeverLeavesTheHub()
    {
        hub.AddRepo("someone/private-sd", FakeHub.FilesOf(Fixtures.TinySd1), token: "hf_secret");

        var refused = await Assert.ThrowsAsync<LatentSharpException>(() => Download("someone/private-sd"));
        Assert.Contains("401", refused.Message);
        Assert.Contains("HF_TOKEN", refused.Message);
        var wrong = await Assert.ThrowsAsync<LatentSharpException>(() => Download("someone/private-sd", Settings(token: "hf_wrong")));
        Assert.Contains("refused HF_TOKEN", wrong.Message);

        await Download("someone/private-sd", Settings(token: "hf_secret"));
        Assert.Contains(hub.Requests, r => r.Host == "127.0.0.1" && r.Authorization == "Bearer hf_secret");
        var cdn = hub.Requests.Where(r => r.Path.StartsWith("/cdn/")).ToList();
        Assert.NotEmpty(cdn);
        Assert.All(cdn, r => Assert.Equal(("localhost", null), (r.Host, r.Authorization)));
    }

    [Fact]
    public async Task MissingRepositoriesRevisionsAndSafetensorsAreOneLineErrors()
    {
        var repo = await Assert.ThrowsAsync<LatentSharpException>(() => Download("nobody/nothing"));
        Assert.Equal($"nobody/nothing was not found on {hub.Endpoint.Authority} (404)", repo.Message);

        var revision = await Assert.ThrowsAsync<LatentSharpException>(() => Download($"{RepoId}@v9"));
        Assert.Equal($"{RepoId} has no revision 'v9'", revision.Message);

        var pickled = FakeHub.FilesOf(Fixtures.TinySd1).Where(f => !f.Key.EndsWith(".safetensors"))
            .ToDictionary(f => f.Key, f => f.Value);
        pickled["unet/diffusion_pytorch_model.bin"] = [1, 2, 3];
        hub.AddRepo("old/pickled-sd", pickled);
        var none = await Assert.ThrowsAsync<LatentSharpException>(() => Download("old/pickled-sd"));
        Assert.Contains("no .safetensors files", none.Message);

        var mixed = FakeHub.FilesOf(Fixtures.TinySd1);
        mixed.Remove("unet/diffusion_pytorch_model.safetensors");
        mixed["unet/diffusion_pytorch_model.bin"] = [1, 2, 3];
        hub.AddRepo("old/half-pickled-sd", mixed);
        var unet = await Assert.ThrowsAsync<LatentSharpException>(() => Download("old/half-pickled-sd"));
        Assert.Equal("old/half-pickled-sd has no safetensors for unet, only pickled weights (unet/diffusion_pytorch_model.bin), which LatentSharp never loads", unet.Message);
        Assert.DoesNotContain(hub.Requests, r => r.Path.EndsWith(".bin"));
    }

    [Fact]
    public async Task TheHalfPrecisionVariantIsFetchedWhenAskedOrWhenItIsAllThereIs()
    {
        var both = FakeHub.FilesOf(Fixtures.TinySd1);
        both["unet/diffusion_pytorch_model.fp16.safetensors"] = both["unet/diffusion_pytorch_model.safetensors"];   // stands in for the fp16 copy
        both["vae/diffusion_pytorch_model.fp16.safetensors"] = both["vae/diffusion_pytorch_model.safetensors"];
        both.Remove("vae/diffusion_pytorch_model.safetensors");                                                      // vae: only fp16
        hub.AddRepo("org/variants", both);

        string full = await Download("org/variants");
        Assert.True(File.Exists(Path.Combine(full, "unet", "diffusion_pytorch_model.safetensors")));
        Assert.False(File.Exists(Path.Combine(full, "unet", "diffusion_pytorch_model.fp16.safetensors")));
        Assert.True(File.Exists(Path.Combine(full, "vae", "diffusion_pytorch_model.fp16.safetensors")));

        using var halfCache = new TempFolder();
        string half = await Download("org/variants", Settings() with { CacheDirectory = halfCache.Path }, preferHalf: true);
        Assert.True(File.Exists(Path.Combine(half, "unet", "diffusion_pytorch_model.fp16.safetensors")));
        Assert.False(File.Exists(Path.Combine(half, "unet", "diffusion_pytorch_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(half, "text_encoder", "model.safetensors")));   // no variant there: the full file
    }

    public async Task DisposeAsync() => await hub.DisposeAsync();

    public void Dispose()
    {
        bound.Dispose();
        cache.Dispose();
    }
}
