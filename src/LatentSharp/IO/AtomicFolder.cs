namespace LatentSharp;

/// <summary>
/// Writes a folder so that it appears complete or not at all: the contents go to a hidden staging folder
/// beside it (".NAME.GUID.tmp"), which one rename turns into the folder.
/// </summary>
internal static class AtomicFolder
{
    /// <param name="folder">Must not exist yet, or be empty.</param>
    /// <param name="writeContents">Writes everything into the staging folder it is given.</param>
    public static void Write(string folder, Action<string> writeContents)
    {
        string target = Path.GetFullPath(folder);
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
            throw new LatentSharpException($"{folder}: already exists and is not an empty folder");
        string staging = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(staging);
            writeContents(staging);
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }
}
