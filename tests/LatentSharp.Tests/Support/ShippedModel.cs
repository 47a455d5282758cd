namespace LatentSharp.Tests.Support;

/// <summary>The model shipped in the repository's models/shapes, found above the test binaries.</summary>
public static class ShippedModel
{
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "models", "shapes");
                if (File.Exists(Path.Combine(candidate, "model_index.json"))) return candidate;
            }
            throw new DirectoryNotFoundException("models/shapes not found above " + AppContext.BaseDirectory);
        }
    }
}
