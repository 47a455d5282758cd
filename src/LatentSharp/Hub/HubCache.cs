using System.Text.RegularExpressions;

namespace LatentSharp.Hub;

/// <summary>
/// One model repository in the Hugging Face cache, in the layout every Hugging Face tool shares:
/// <code>
/// CACHE/models--org--name/
///   refs/main                      the commit a branch or tag pointed at when last fetched
///   blobs/ETAG                     each file's bytes once, named by SHA-256 (LFS) or git blob id
///   snapshots/COMMIT/unet/...      the revision's tree, as relative links into blobs/
/// CACHE/.locks/models--org--name/ETAG.lock   held while a blob is downloaded (flock, as Python's filelock)
/// </code>
/// Blobs arrive as <c>ETAG.incomplete</c> and are renamed once verified; links and refs are written to a temporary
/// name and renamed, so another process never sees a half-written file.
/// </summary>
internal sealed partial class HubCache(string cacheDirectory, HubModelId id)
{
    public string RepoFolder { get; } = Path.Combine(cacheDirectory, id.CacheFolderName);
    string LocksFolder => Path.Combine(cacheDirectory, ".locks", id.CacheFolderName);

    public string SnapshotFolder(string commit) => Path.Combine(RepoFolder, "snapshots", CheckCommit(commit));
    public string BlobPath(string etag) => Path.Combine(RepoFolder, "blobs", CheckEtag(etag));

    /// <summary>The commit a branch or tag last resolved to, or null when never fetched.</summary>
    public string? ReadRef(string revision)
    {
        string path = RefPath(revision);
        if (!File.Exists(path)) return null;
        string commit = File.ReadAllText(path).Trim();
        return CommitPattern().IsMatch(commit) ? commit : null;
    }

    public void WriteRef(string revision, string commit) => AtomicFile.WriteAllText(RefPath(revision), CheckCommit(commit));

    /// <summary>
    /// Makes <c>snapshots/COMMIT/PATH</c> a relative link to the blob (a copy where the file system has no links).
    /// </summary>
    public void LinkIntoSnapshot(string commit, string repoPath, string etag)
    {
        string link = Path.Combine(SnapshotFolder(commit), CheckRepoPath(repoPath));
        string blob = BlobPath(etag);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        if (File.Exists(link) && new FileInfo(link).LinkTarget is { } existing && Path.GetFileName(existing) == etag) return;
        string temp = Path.Combine(Path.GetDirectoryName(link)!, $".{Path.GetFileName(link)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.CreateSymbolicLink(temp, Path.GetRelativePath(Path.GetDirectoryName(link)!, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, temp);
        }
        File.Move(temp, link, overwrite: true);
    }

    /// <summary>Holds the download lock of one blob until disposed; waits while another process holds it.</summary>
    public async Task<IDisposable> LockBlobAsync(string etag, Action<string>? waiting, CancellationToken cancellation)
    {
        Directory.CreateDirectory(LocksFolder);
        string path = Path.Combine(LocksFolder, CheckEtag(etag) + ".lock");
        bool told = false;
        while (true)
        {
            try
            {
                // On Unix, FileShare.None takes an exclusive flock: the same lock huggingface_hub's filelock takes.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (!cancellation.IsCancellationRequested)
            {
                if (!told) waiting?.Invoke($"waiting for another process downloading {etag[..Math.Min(12, etag.Length)]}… ({path})");
                told = true;
                await Task.Delay(200, cancellation);
            }
        }
    }

    /// <summary>"org/name" for a snapshot folder of the cache (<c>…/models--org--name/snapshots/COMMIT</c>), else null.</summary>
    public static string? RepoIdOfSnapshot(string folder)
    {
        var snapshot = new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        if (snapshot.Parent is not { Name: "snapshots" } snapshots || snapshots.Parent is not { } repo || !CommitPattern().IsMatch(snapshot.Name))
            return null;
        var parts = repo.Name.Split("--");
        return parts is ["models", var owner, var name] ? $"{owner}/{name}" : null;
    }

    string RefPath(string revision) => Path.Combine(RepoFolder, "refs", CheckRepoPath(revision));

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^[0-9a-f]{40}$|^[0-9a-f]{64}$")]
    private static partial Regex EtagPattern();

    // Names from the Hub end up as paths: each is checked so a hostile listing can never write outside the cache.
    static string CheckCommit(string commit) =>
        CommitPattern().IsMatch(commit) ? commit : throw new LatentSharpException($"the Hub answered a malformed commit id '{Shorten(commit)}'");

    static string CheckEtag(string etag) =>
        EtagPattern().IsMatch(etag) ? etag : throw new LatentSharpException($"the Hub answered a malformed file id '{Shorten(etag)}'");

    /// <summary>A relative path inside the repository: '/'-separated, no empty, '.' or '..' parts, no backslashes.</summary>
    public static string CheckRepoPath(string path)
    {
        var parts = path.Split('/');
        if (path.Length == 0 || path.Length > 1000 || path.Contains('\\') || path.Contains('\0')
            || parts.Any(p => p.Length == 0 || p == "." || p == ".."))
            throw new LatentSharpException($"the Hub listed an unsafe file path '{Shorten(path)}'");
        return Path.Combine(parts);
    }

    static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
