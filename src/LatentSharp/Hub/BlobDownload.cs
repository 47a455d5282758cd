using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace LatentSharp.Hub;

/// <summary>
/// Downloads one file of a revision into the cache's blobs/: under the blob's lock, into <c>ETAG.incomplete</c>,
/// resuming with a Range request after a dropped or stalled connection (or a previous run's partial file),
/// checking the answer's X-Repo-Commit / X-Linked-Etag / X-Linked-Size / ETag against the listing, then the
/// size and hash of the bytes (SHA-256 for LFS files, the git blob id for the rest), and only then renaming it
/// to <c>blobs/ETAG</c>. A file that fails its checksum is deleted, never kept.
/// </summary>
internal sealed class BlobDownload(HubSettings settings, HubApi api, HubCache cache, HubModelId id, string commit)
{
    const int MaxRedirects = 5;
    static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(100);

    public async Task FetchAsync(HubRepoFile file, IProgress<HubDownloadProgress>? progress, Action<string>? notice, CancellationToken cancellation)
    {
        string blob = cache.BlobPath(file.Etag);
        if (IsPresent(blob, file)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        using (await cache.LockBlobAsync(file.Etag, notice, cancellation))
        {
            if (IsPresent(blob, file)) return;   // another process fetched it while we waited
            string partial = blob + ".incomplete";
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await TransferAsync(file, partial, progress, cancellation);
                    break;
                }
                catch (Exception e) when (IsTransient(e) && !cancellation.IsCancellationRequested)
                {
                    if (attempt >= settings.Attempts)
                        throw new HubUnreachableException($"{id}: {file.Path}: download failed {attempt} times ({Message(e)}); run again to resume");
                    notice?.Invoke($"{file.Path}: {Message(e)}; resuming (attempt {attempt + 1} of {settings.Attempts})");
                    await Task.Delay(settings.RetryDelay * attempt, cancellation);
                }
            }
            Verify(file, partial);
            File.Move(partial, blob, overwrite: true);
        }
        progress?.Report(new HubDownloadProgress(file.Path, file.Size, file.Size, Done: true));
    }

    static bool IsPresent(string blob, HubRepoFile file) => File.Exists(blob) && new FileInfo(blob).Length == file.Size;

    /// <summary>One request: from where the partial file ends to the end of the file.</summary>
    async Task TransferAsync(HubRepoFile file, string partial, IProgress<HubDownloadProgress>? progress, CancellationToken cancellation)
    {
        long offset = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (offset > file.Size) offset = Restart(partial);
        if (offset == file.Size) return;
        using var response = await OpenAsync(file, offset, cancellation);
        if (response.StatusCode == HttpStatusCode.OK) offset = Restart(partial);   // the server ignored the range
        else if (response.Content.Headers.ContentRange?.From is { } from && from != offset) offset = Restart(partial);

        await using var output = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 20);
        output.SetLength(offset);
        output.Position = offset;
        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        var buffer = new byte[1 << 16];
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long done = offset;
        progress?.Report(new HubDownloadProgress(file.Path, done, file.Size, Done: false));
        while (true)
        {
            int read = await ReadWithIdleTimeoutAsync(body, buffer, cancellation);
            if (read == 0) break;
            if (done + read > file.Size)
            {
                output.Close();
                Restart(partial);
                throw new LatentSharpException($"{id}: {file.Path}: the server sent more than the {file.Size} bytes the Hub listed; nothing was kept");
            }
            await output.WriteAsync(buffer.AsMemory(0, read), cancellation);
            done += read;
            if (clock.Elapsed - lastReport >= ReportEvery)
            {
                lastReport = clock.Elapsed;
                progress?.Report(new HubDownloadProgress(file.Path, done, file.Size, Done: false));
            }
        }
        await output.FlushAsync(cancellation);
        if (done < file.Size) throw new IOException($"connection closed at {done} of {file.Size} bytes");
    }

    /// <summary>GET the file, following the Hub's redirect to its storage by hand so the headers on the way can be checked.</summary>
    async Task<HttpResponseMessage> OpenAsync(HubRepoFile file, long offset, CancellationToken cancellation)
    {
        var uri = api.ResolveUrl(commit, file.Path);
        var range = offset > 0 ? new RangeHeaderValue(offset, null) : null;
        for (int hop = 0; hop <= MaxRedirects; hop++)
        {
            var response = await api.SendAsync(uri, range, cancellation);
            try
            {
                if (api.IsHub(uri)) CheckHubHeaders(response, file);
                if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    uri = new Uri(uri, location);
                    if (uri.Scheme is not ("http" or "https")) throw new LatentSharpException($"{id}: {file.Path}: redirected to a non-HTTP address");
                    response.Dispose();
                    continue;
                }
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                    throw new IOException("the server refused to resume; starting over");   // the next attempt restarts (partial deleted below)
                await api.EnsureSuccessAsync(response, file.Path);
                return response;
            }
            catch
            {
                response.Dispose();
                if (offset > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) Restart(cache.BlobPath(file.Etag) + ".incomplete");
                throw;
            }
        }
        throw new LatentSharpException($"{id}: {file.Path}: more than {MaxRedirects} redirects");
    }

    /// <summary>What the Hub says about the file must match the listing the download started from.</summary>
    void CheckHubHeaders(HttpResponseMessage response, HubRepoFile file)
    {
        if (Header(response, "X-Repo-Commit") is { } served && !served.Equals(commit, StringComparison.OrdinalIgnoreCase))
            throw new LatentSharpException($"{id}: {file.Path} was served from commit {served[..Math.Min(12, served.Length)]}, not {commit[..12]}");
        string? etag = Header(response, "X-Linked-Etag") ?? (response.IsSuccessStatusCode ? response.Headers.ETag?.Tag : null);
        if (etag is not null && Unquote(etag) is var tag && !tag.Equals(file.Etag, StringComparison.OrdinalIgnoreCase))
            throw new LatentSharpException($"{id}: {file.Path}: the Hub's ETag {tag} does not match its file list ({file.Etag})");
        if (Header(response, "X-Linked-Size") is { } size && (!long.TryParse(size, out long bytes) || bytes != file.Size))
            throw new LatentSharpException($"{id}: {file.Path}: the Hub's X-Linked-Size {size} does not match its file list ({file.Size})");
    }

    /// <summary>Size and hash of the whole partial file; a mismatch deletes it.</summary>
    void Verify(HubRepoFile file, string partial)
    {
        long size = new FileInfo(partial).Length;
        string expected = file.Sha256 ?? file.GitOid;
        string actual;
        using (var stream = new FileStream(partial, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            actual = file.Sha256 != null ? Convert.ToHexStringLower(SHA256.HashData(stream)) : GitBlobId(stream, size);
        if (size == file.Size && actual == expected) return;
        File.Delete(partial);
        string kind = file.Sha256 != null ? "sha256" : "git blob id";
        throw new LatentSharpException(size != file.Size
            ? $"{id}: {file.Path} has {size} bytes, the Hub listed {file.Size}; nothing was kept"
            : $"{id}: {file.Path} failed its checksum ({kind} {actual[..12]}…, expected {expected[..12]}…); nothing was kept");
    }

    /// <summary>git's id of a file: SHA-1 of "blob SIZE\0" and the bytes (what the Hub lists as oid for files not in LFS).</summary>
    static string GitBlobId(Stream content, long size)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {size}\0"));
        var buffer = new byte[1 << 16];
        int read;
        while ((read = content.Read(buffer)) > 0) sha1.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    async Task<int> ReadWithIdleTimeoutAsync(Stream body, byte[] buffer, CancellationToken cancellation)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        idle.CancelAfter(settings.IdleTimeout);
        try
        {
            return await body.ReadAsync(buffer, idle.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new IOException($"no data for {settings.IdleTimeout.TotalSeconds:0} s");
        }
    }

    static long Restart(string partial)
    {
        File.Delete(partial);
        return 0;
    }

    static bool IsTransient(Exception e) => e is IOException or HttpRequestException or HubUnreachableException;

    static string Message(Exception e) => (e.InnerException ?? e).Message.Split('\n')[0];

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    static string Unquote(string etag) => (etag.StartsWith("W/") ? etag[2..] : etag).Trim('"');
}
