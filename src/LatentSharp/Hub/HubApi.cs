using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LatentSharp.Hub;

/// <summary>
/// The few calls of the Hub's HTTP API that a download needs: a revision's commit
/// (<c>GET /api/models/ORG/NAME/revision/REV</c>), its file tree with sizes and hashes
/// (<c>GET /api/models/ORG/NAME/tree/COMMIT?recursive=true</c>, paged by <c>Link: rel="next"</c>), and the
/// file URLs (<c>/ORG/NAME/resolve/COMMIT/PATH</c>). Every failure becomes one line that says what to do.
/// The token goes to the Hub's own host only, never to the storage a download is redirected to.
/// </summary>
internal sealed class HubApi(HubSettings settings, HttpClient http, HubModelId id)
{
    static readonly TimeSpan ApiTimeout = TimeSpan.FromSeconds(60);
    const int MaxPages = 1000;

    public async Task<string> ResolveCommitAsync(CancellationToken cancellation)
    {
        var uri = Api($"revision/{Uri.EscapeDataString(id.Revision)}");
        using var json = await GetJsonAsync(uri, cancellation);
        return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String
            ? sha.GetString()!
            : throw new LatentSharpException($"{id}: the Hub's answer for revision '{id.Revision}' has no commit id");
    }

    public async Task<IReadOnlyList<HubRepoFile>> ListFilesAsync(string commit, CancellationToken cancellation)
    {
        var files = new List<HubRepoFile>();
        Uri? page = Api($"tree/{commit}?recursive=true");
        for (int pages = 0; page != null; pages++)
        {
            if (pages == MaxPages) throw new LatentSharpException($"{id}: the Hub's file list did not end after {MaxPages} pages");
            using var response = await SendAsync(page, null, cancellation, HttpCompletionOption.ResponseContentRead);
            await EnsureSuccessAsync(response, null);
            using var json = await ParseAsync(response, page, cancellation);
            if (json.RootElement.ValueKind != JsonValueKind.Array) throw Malformed(page);
            foreach (var entry in json.RootElement.EnumerateArray())
                if (ReadEntry(entry, page) is { } file) files.Add(file);
            page = NextPage(response, page);
        }
        return files;
    }

    /// <summary>Where a file of <paramref name="commit"/> is served (each path segment escaped).</summary>
    public Uri ResolveUrl(string commit, string path) =>
        new(settings.Endpoint, $"{Escape(id.Owner)}/{Escape(id.Name)}/resolve/{commit}/{string.Join('/', path.Split('/').Select(Escape))}");

    /// <summary>Sends a GET, with the token when the request goes to the Hub itself.</summary>
    public async Task<HttpResponseMessage> SendAsync(Uri uri, RangeHeaderValue? range, CancellationToken cancellation,
        HttpCompletionOption completion = HttpCompletionOption.ResponseHeadersRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("LatentSharp", typeof(HubApi).Assembly.GetName().Version?.ToString(3) ?? "0"));
        request.Headers.Range = range;
        if (IsHub(uri) && settings.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            return await http.SendAsync(request, completion, cancellation);
        }
        catch (HttpRequestException e)
        {
            // The host that failed: the Hub, or the CDN a file was redirected to.
            throw new HubUnreachableException($"cannot reach {uri.Authority} for {id}: {Innermost(e)}");
        }
    }

    /// <summary>Whether <paramref name="uri"/> is the Hub (token and X-Repo-Commit headers belong there), not a CDN.</summary>
    public bool IsHub(Uri uri) => Uri.Compare(uri, settings.Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>Turns a non-success answer into the one-line error for it.</summary>
    public async Task EnsureSuccessAsync(HttpResponseMessage response, string? file)
    {
        if (response.IsSuccessStatusCode) return;
        string code = response.Headers.TryGetValues("X-Error-Code", out var codes) ? codes.First() : "";
        string serverMessage = response.Headers.TryGetValues("X-Error-Message", out var messages) ? messages.First() : "";
        string what = file is null ? id.ToString() : $"{id}: {file}";
        bool hasToken = settings.Token != null;
        throw (response.StatusCode, code) switch
        {
            (_, "GatedRepo") => new LatentSharpException(hasToken
                ? $"{id} is gated and HF_TOKEN's account has no access yet: accept its conditions on its Hub page"
                : $"{id} is gated: accept its conditions on its Hub page, then set HF_TOKEN (or run `hf auth login`)"),
            (_, "RevisionNotFound") => new LatentSharpException($"{id.RepoId} has no revision '{id.Revision}'"),
            (_, "EntryNotFound") => new LatentSharpException($"{what} is not in the repository"),
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) => new LatentSharpException(hasToken
                ? $"{id}: the Hub refused HF_TOKEN ({(int)response.StatusCode}): the repository does not exist, or the token has no access to it"
                : $"{id}: the Hub answered {(int)response.StatusCode}: the repository does not exist, or it is private or gated and needs HF_TOKEN"),
            (HttpStatusCode.NotFound, _) => new LatentSharpException($"{what} was not found on {settings.Endpoint.Authority} (404)"),
            _ when (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests =>
                new HubUnreachableException($"{what}: the Hub answered {(int)response.StatusCode}{(serverMessage.Length > 0 ? $" ({serverMessage})" : "")}; try again later"),
            _ => new LatentSharpException($"{what}: the Hub answered {(int)response.StatusCode} {response.ReasonPhrase}"),
        };
    }

    Uri Api(string rest) => new(settings.Endpoint, $"api/models/{Escape(id.Owner)}/{Escape(id.Name)}/{rest}");

    async Task<JsonDocument> GetJsonAsync(Uri uri, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(ApiTimeout);
        try
        {
            using var response = await SendAsync(uri, null, timeout.Token, HttpCompletionOption.ResponseContentRead);
            await EnsureSuccessAsync(response, null);
            return await ParseAsync(response, uri, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new HubUnreachableException($"{settings.Endpoint.Authority} did not answer within {ApiTimeout.TotalSeconds:0} s for {id}");
        }
    }

    async Task<JsonDocument> ParseAsync(HttpResponseMessage response, Uri uri, CancellationToken cancellation)
    {
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellation), cancellationToken: cancellation);
        }
        catch (JsonException)
        {
            throw Malformed(uri);
        }
    }

    /// <summary>A file entry of the tree listing (folders are skipped); every field is checked before use.</summary>
    HubRepoFile? ReadEntry(JsonElement entry, Uri page)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String) throw Malformed(page);
        if (type.GetString() != "file") return null;
        if (!entry.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String
            || !entry.TryGetProperty("oid", out var oid) || oid.ValueKind != JsonValueKind.String
            || !entry.TryGetProperty("size", out var size) || !size.TryGetInt64(out long bytes) || bytes < 0)
            throw Malformed(page);
        string? sha256 = null;
        if (entry.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
        {
            if (!lfs.TryGetProperty("oid", out var lfsOid) || lfsOid.ValueKind != JsonValueKind.String
                || !lfs.TryGetProperty("size", out var lfsSize) || !lfsSize.TryGetInt64(out bytes) || bytes < 0)
                throw Malformed(page);
            sha256 = lfsOid.GetString()!.ToLowerInvariant();
        }
        HubCache.CheckRepoPath(path.GetString()!);
        return new HubRepoFile(path.GetString()!, bytes, oid.GetString()!.ToLowerInvariant(), sha256);
    }

    /// <summary>The <c>Link: &lt;URL&gt;; rel="next"</c> page, which must stay on the Hub.</summary>
    Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';', StringSplitOptions.TrimEntries);
            if (parts.Length < 2 || !parts.Skip(1).Any(p => p.Replace(" ", "") is "rel=\"next\"" or "rel=next")) continue;
            string target = parts[0].Trim('<', '>');
            var next = new Uri(current, target);
            return IsHub(next) ? next : throw Malformed(current);
        }
        return null;
    }

    LatentSharpException Malformed(Uri uri) => new($"{id}: unexpected answer from {uri.GetLeftPart(UriPartial.Path)} (is HF_ENDPOINT a Hugging Face Hub?)");

    static string Escape(string segment) => Uri.EscapeDataString(segment);

    static string Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e.Message;
    }
}

/// <summary>The Hub could not be reached or answered with a server error: a cached copy may still do.</summary>
public sealed class HubUnreachableException(string message) : LatentSharpException(message);
