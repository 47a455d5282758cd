namespace LatentSharp.Hub;

/// <summary>How <see cref="HubModels"/> fetches a model.</summary>
public sealed record HubDownloadOptions
{
    /// <summary>Cache, endpoint, token and offline mode; null reads the environment (<see cref="HubSettings.FromEnvironment"/>).</summary>
    public HubSettings? Settings { get; init; }

    /// <summary>Fetch the ".fp16" weights where the repository has them (half the download, for fp16/bf16 use).</summary>
    public bool PreferHalfPrecision { get; init; }

    /// <summary>Per-file progress of the downloads (nothing is reported when the model is already cached).</summary>
    public IProgress<HubDownloadProgress>? Progress { get; init; }

    /// <summary>One-line notes: a resumed download, a cached copy used because the Hub is unreachable, a lock wait.</summary>
    public Action<string>? Notice { get; init; }

    /// <summary>The HTTP handler (tests, proxies); null: a default one.</summary>
    public HttpMessageHandler? Handler { get; init; }
}

/// <summary>
/// Models named by their Hugging Face Hub id (<c>org/name</c> or <c>org/name@revision</c>), resolved to a folder
/// in the standard Hugging Face cache. A revision already in the cache is used without contacting the Hub;
/// otherwise only the files LatentSharp needs are downloaded (<see cref="PipelineFiles"/>), verified, and
/// linked into the cache as huggingface_hub lays it out, so Python tools and LatentSharp share one copy.
/// </summary>
public static class HubModels
{
    /// <summary>Whether <paramref name="model"/> names a Hub repository: an <c>org/name[@revision]</c> that is not an existing file or folder.</summary>
    public static bool IsHubId(string model) => IsHubId(model, Environment.CurrentDirectory);

    /// <summary><see cref="IsHubId(string)"/> with relative paths taken from <paramref name="baseDirectory"/>.</summary>
    public static bool IsHubId(string model, string baseDirectory)
    {
        string local = Path.Combine(baseDirectory, model);
        return !File.Exists(local) && !Directory.Exists(local) && HubModelId.TryParse(model, out _);
    }

    /// <summary>A local path for <paramref name="model"/>: itself when it is a path, else the Hub snapshot folder (downloaded if needed).</summary>
    public static string LocalPath(string model, HubDownloadOptions? options = null, CancellationToken cancellation = default) =>
        IsHubId(model) ? Download(HubModelId.Parse(model), options, cancellation) : model;

    /// <summary>Synchronous <see cref="DownloadAsync"/> (for command lines and constructors).</summary>
    public static string Download(HubModelId id, HubDownloadOptions? options = null, CancellationToken cancellation = default) =>
        Task.Run(() => DownloadAsync(id, options, cancellation), cancellation).GetAwaiter().GetResult();

    /// <summary>The snapshot folder of <paramref name="id"/> in the cache, fetching what is missing.</summary>
    public static async Task<string> DownloadAsync(HubModelId id, HubDownloadOptions? options = null, CancellationToken cancellation = default)
    {
        options ??= new HubDownloadOptions();
        var settings = options.Settings ?? HubSettings.FromEnvironment();
        var cache = new HubCache(settings.CacheDirectory, id);

        string? cachedCommit = id.IsCommit ? id.Revision : cache.ReadRef(id.Revision);
        if (cachedCommit != null && PipelineFiles.IsComplete(cache.SnapshotFolder(cachedCommit))) return cache.SnapshotFolder(cachedCommit);
        if (settings.Offline)
            throw new LatentSharpException($"{id} is not in the Hugging Face cache ({settings.CacheDirectory}) and HF_HUB_OFFLINE is set");

        using var http = new HttpClient(options.Handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,   // BlobDownload follows redirects itself, to check the Hub's headers and keep the token on the Hub
            ConnectTimeout = TimeSpan.FromSeconds(30),
        }, disposeHandler: options.Handler is null) { Timeout = Timeout.InfiniteTimeSpan };
        var api = new HubApi(settings, http, id);
        try
        {
            string commit = id.IsCommit ? id.Revision : await api.ResolveCommitAsync(cancellation);
            await FetchSnapshotAsync(id, settings, api, cache, commit, options, cancellation);
            if (!id.IsCommit) cache.WriteRef(id.Revision, commit);
            return cache.SnapshotFolder(commit);
        }
        catch (HubUnreachableException e) when (cachedCommit != null && Directory.Exists(cache.SnapshotFolder(cachedCommit))
            && PipelineFiles.IsComplete(cache.SnapshotFolder(cachedCommit)))
        {
            options.Notice?.Invoke($"{e.Message}; using the cached {id}");
            return cache.SnapshotFolder(cachedCommit);
        }
    }

    static async Task FetchSnapshotAsync(HubModelId id, HubSettings settings, HubApi api, HubCache cache, string commit,
        HubDownloadOptions options, CancellationToken cancellation)
    {
        var listing = await api.ListFilesAsync(commit, cancellation);
        var byPath = listing.ToDictionary(f => f.Path, StringComparer.Ordinal);
        if (!listing.Any(f => f.Path.EndsWith(".safetensors", StringComparison.Ordinal)))
            throw new LatentSharpException($"{id} has no .safetensors files; LatentSharp loads safetensors only (never pickled .bin/.ckpt weights)");
        if (!byPath.TryGetValue(PipelineFiles.ModelIndex, out var index))
            throw new LatentSharpException($"{id} is not a diffusers pipeline (no {PipelineFiles.ModelIndex}); for a single checkpoint file, download it and pass its path");

        var download = new BlobDownload(settings, api, cache, id, commit);
        await download.FetchAsync(index, null, options.Notice, cancellation);
        cache.LinkIntoSnapshot(commit, index.Path, index.Etag);
        var components = PipelineFiles.Components(await File.ReadAllTextAsync(cache.BlobPath(index.Etag), cancellation), id.ToString());
        var wanted = PipelineFiles.Select(byPath.Keys, components, options.PreferHalfPrecision, id.ToString());

        // Small files first, so a mistake in a config shows before gigabytes move.
        foreach (var file in wanted.Select(p => byPath[p]).OrderBy(f => f.Size))
        {
            await download.FetchAsync(file, options.Progress, options.Notice, cancellation);
            cache.LinkIntoSnapshot(commit, file.Path, file.Etag);
        }
    }
}
