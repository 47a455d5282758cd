using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LatentSharp.Tests.Hub;

/// <summary>
/// A small stand-in for the Hugging Face Hub on loopback, speaking the parts of its HTTP API a download uses:
/// revision info, the paged recursive tree (with git blob ids, and sizes and SHA-256 for LFS files), and
/// resolve URLs that redirect LFS files to a "CDN" on another host name (localhost instead of 127.0.0.1) with
/// X-Repo-Commit / X-Linked-Etag / X-Linked-Size / ETag, and serve small files directly. Faults on demand: a
/// connection dropped once mid-file, and a file served with wrong bytes. Every request is recorded.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    /// <summary>Tree entries per page, small so that listings need the Link header.</summary>
    const int PageSize = 7;

    /// <summary>The host name LFS files are redirected to (a "CDN"); another loopback address makes the CDN unreachable.</summary>
    public string CdnHost { get; set; } = "localhost";

    readonly WebApplication app;
    readonly ConcurrentDictionary<string, Repo> repos = new();
    readonly ConcurrentDictionary<string, byte[]> blobs = new();   // sha256 → bytes
    readonly ConcurrentDictionary<string, long> dropOnce = new();   // sha256 → bytes sent before the connection drops
    readonly ConcurrentDictionary<string, bool> corrupt = new();    // sha256 → served with one byte flipped

    public sealed record Repo(string Commit, IReadOnlyDictionary<string, byte[]> Files, string? Token);
    public sealed record Request(string Host, string Path, string? Range, string? Authorization);

    FakeHub(WebApplication app) => this.app = app;

    public ConcurrentQueue<Request> Requests { get; } = new();
    public Uri Endpoint { get; private set; } = null!;
    int Port => Endpoint.Port;

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var hub = new FakeHub(builder.Build());
        hub.Map();
        await hub.app.StartAsync();
        string address = hub.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.Endpoint = new Uri(address.TrimEnd('/'));
        return hub;
    }

    /// <summary>Serves <paramref name="files"/> as repository <paramref name="repoId"/> at a fixed commit; a token makes it private.</summary>
    public string AddRepo(string repoId, IReadOnlyDictionary<string, byte[]> files, string? token = null)
    {
        string commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(repoId + files.Count)));
        repos[repoId] = new Repo(commit, files, token);
        foreach (var bytes in files.Values) blobs[Sha256(bytes)] = bytes;
        return commit;
    }

    /// <summary>Every file under <paramref name="folder"/>, keyed by repository path.</summary>
    public static Dictionary<string, byte[]> FilesOf(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes);

    public void DropConnectionOnce(byte[] content, long afterBytes) => dropOnce[Sha256(content)] = afterBytes;
    public void Corrupt(byte[] content) => corrupt[Sha256(content)] = true;

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string GitBlobId(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));

    /// <summary>As the Hub stores them: weights in LFS, small text files in git.</summary>
    static bool IsLfs(string path) => path.EndsWith(".safetensors", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal);

    void Map()
    {
        app.Use(async (context, next) =>
        {
            Requests.Enqueue(new Request(context.Request.Host.Host, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.Range.FirstOrDefault(), context.Request.Headers.Authorization.FirstOrDefault()));
            await next(context);
        });
        app.MapGet("/api/models/{owner}/{name}/revision/{**revision}", (HttpContext http, string owner, string name, string revision) =>
        {
            if (Find(http, owner, name, out var repo) is { } refused) return refused;
            if (revision != "main" && revision != repo.Commit) return Error(404, "RevisionNotFound");
            return Results.Json(new { id = $"{owner}/{name}", sha = repo.Commit, siblings = repo.Files.Keys.Select(k => new { rfilename = k }) });
        });
        app.MapGet("/api/models/{owner}/{name}/tree/{commit}", (HttpContext http, string owner, string name, string commit, int? cursor) =>
        {
            if (Find(http, owner, name, out var repo) is { } refused) return refused;
            if (commit != repo.Commit) return Error(404, "RevisionNotFound");
            var entries = Tree(repo).ToList();
            int start = cursor ?? 0;
            if (start + PageSize < entries.Count)
                http.Response.Headers.Link = $"<{Endpoint}api/models/{owner}/{name}/tree/{commit}?recursive=true&cursor={start + PageSize}>; rel=\"next\"";
            return Results.Json(entries.Skip(start).Take(PageSize));
        });
        app.MapGet("/{owner}/{name}/resolve/{commit}/{**path}", (HttpContext http, string owner, string name, string commit, string path) =>
        {
            if (Find(http, owner, name, out var repo) is { } refused) return refused;
            if (commit != repo.Commit) return Error(404, "RevisionNotFound");
            if (!repo.Files.TryGetValue(path, out var bytes)) return Error(404, "EntryNotFound");
            http.Response.Headers["X-Repo-Commit"] = repo.Commit;
            if (!IsLfs(path))
            {
                http.Response.Headers.ETag = $"\"{GitBlobId(bytes)}\"";
                return Serve(http, bytes, Sha256(bytes));
            }
            string sha = Sha256(bytes);
            http.Response.Headers.ETag = $"\"{sha}\"";
            http.Response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            http.Response.Headers["X-Linked-Size"] = bytes.Length.ToString();
            return Results.Redirect($"http://{CdnHost}:{Port}/cdn/{sha}");
        });
        app.MapGet("/cdn/{sha}", (HttpContext http, string sha) =>
            blobs.TryGetValue(sha, out var bytes) ? Serve(http, bytes, sha) : Results.NotFound());
    }

    IResult? Find(HttpContext http, string owner, string name, out Repo repo)
    {
        if (!repos.TryGetValue($"{owner}/{name}", out repo!)) return Error(404, "RepoNotFound");
        if (repo.Token is { } token && http.Request.Headers.Authorization.FirstOrDefault() != $"Bearer {token}")
            return Error(401, "RepoNotFound");   // as the Hub: a private repository looks absent without access
        return null;
    }

    static IResult Error(int status, string code) => new ErrorResult(status, code);

    sealed class ErrorResult(int status, string code) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.Headers["X-Error-Code"] = code;
            return http.Response.WriteAsJsonAsync(new { error = code });
        }
    }

    IEnumerable<object> Tree(Repo repo)
    {
        foreach (var folder in repo.Files.Keys.Where(k => k.Contains('/')).Select(k => k[..k.IndexOf('/')]).Distinct().Order())
            yield return new { type = "directory", oid = new string('0', 40), size = 0, path = folder };
        foreach (var (path, bytes) in repo.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            yield return IsLfs(path)
                ? new { type = "file", oid = GitBlobId(Encoding.ASCII.GetBytes($"pointer {Sha256(bytes)}")), size = (long)bytes.Length, path,
                        lfs = (object?)new { oid = Sha256(bytes), size = (long)bytes.Length, pointerSize = 134 } }
                : new { type = "file", oid = GitBlobId(bytes), size = (long)bytes.Length, path, lfs = (object?)null };
    }

    /// <summary>The bytes from a "bytes=N-" range on, with the faults asked for.</summary>
    IResult Serve(HttpContext http, byte[] bytes, string sha) => new ServeResult(this, bytes, sha);

    sealed class ServeResult(FakeHub hub, byte[] bytes, string sha) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            long start = 0;
            if (http.Request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=") && range.EndsWith('-'))
            {
                start = long.Parse(range[6..^1]);
                if (start >= bytes.Length)
                {
                    http.Response.StatusCode = 416;
                    return;
                }
                http.Response.StatusCode = 206;
                http.Response.Headers.ContentRange = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
            }
            var body = bytes.AsMemory((int)start).ToArray();
            if (hub.corrupt.ContainsKey(sha)) body[body.Length / 2] ^= 0xFF;
            http.Response.ContentLength = body.Length;
            if (hub.dropOnce.TryRemove(sha, out long after) && after > start)
            {
                await http.Response.Body.WriteAsync(body.AsMemory(0, (int)(after - start)));
                await http.Response.Body.FlushAsync();
                http.Abort();
                return;
            }
            await http.Response.Body.WriteAsync(body);
        }
    }

    bool disposed;

    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
