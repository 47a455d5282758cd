using System.Text.RegularExpressions;

namespace LatentSharp.Hub;

/// <summary>
/// A Hugging Face Hub model repository and revision, as written on a command line: <c>org/name</c> or
/// <c>org/name@revision</c> (a branch, a tag or a commit hash; <c>main</c> when absent).
/// </summary>
public sealed partial record HubModelId(string Owner, string Name, string Revision)
{
    public const string DefaultRevision = "main";

    /// <summary><c>org/name</c>.</summary>
    public string RepoId => $"{Owner}/{Name}";

    /// <summary>The repository's folder in the cache, <c>models--org--name</c>, as every Hugging Face tool names it.</summary>
    public string CacheFolderName => $"models--{Owner}--{Name}";

    /// <summary>Whether <see cref="Revision"/> is a full commit hash (then it never moves, and needs no lookup).</summary>
    public bool IsCommit => CommitHash().IsMatch(Revision);

    public override string ToString() => Revision == DefaultRevision ? RepoId : $"{RepoId}@{Revision}";

    // The Hub's own rules: names of letters, digits, '-', '_', '.', not starting or ending with '-' or '.', no "--" or "..".
    [GeneratedRegex(@"^(?<owner>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/(?<name>[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?)(?:@(?<revision>[A-Za-z0-9._/-]{1,200}))?$")]
    private static partial Regex Pattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();

    /// <summary>Parses <c>org/name[@revision]</c>; false for anything else (a path, a file name).</summary>
    public static bool TryParse(string text, out HubModelId id)
    {
        id = null!;
        var m = Pattern().Match(text);
        if (!m.Success) return false;
        string owner = m.Groups["owner"].Value, name = m.Groups["name"].Value;
        string revision = m.Groups["revision"].Success ? m.Groups["revision"].Value : DefaultRevision;
        if ((owner + name).Contains("--") || (owner + name).Contains("..") || revision.Contains("..") || revision.StartsWith('/') || revision.EndsWith('/'))
            return false;
        id = new HubModelId(owner, name, revision);
        return true;
    }

    public static HubModelId Parse(string text) => TryParse(text, out var id)
        ? id
        : throw new LatentSharpException($"'{text}' is not a Hugging Face model id (org/name or org/name@revision)");
}
