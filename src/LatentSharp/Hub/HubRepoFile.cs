namespace LatentSharp.Hub;

/// <summary>
/// One file of a repository revision as the Hub lists it: its path, size, git blob id and, for files stored with
/// LFS (all weights), the SHA-256 of the content. The cache names a blob by the same id the Hub's ETag carries:
/// the SHA-256 for LFS files, the git blob id for the rest.
/// </summary>
internal sealed record HubRepoFile(string Path, long Size, string GitOid, string? Sha256)
{
    /// <summary>The blob's name in the cache (<c>blobs/ETAG</c>).</summary>
    public string Etag => Sha256 ?? GitOid;
}
