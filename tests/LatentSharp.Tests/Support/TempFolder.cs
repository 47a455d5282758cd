namespace LatentSharp.Tests.Support;

/// <summary>A temporary folder deleted with everything in it when disposed.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "latentsharp-test-" + Guid.NewGuid().ToString("N"));

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Copies a folder tree (a fixture pipeline, say) into this folder under <paramref name="name"/>.</summary>
    public string CopyOf(string source, string name)
    {
        string target = this[name];
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, dir)));
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(source, file)));
        return target;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
