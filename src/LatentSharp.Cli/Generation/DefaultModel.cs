using LatentSharp.Checkpoints;

namespace LatentSharp.Cli.Generation;

/// <summary>
/// The model used when no --model is given: $LATENTSHARP_MODEL, else the small model shipped in the
/// repository (models/shapes), looked for above the program's folder and the working directory.
/// </summary>
public static class DefaultModel
{
    public const string ShippedFolder = "models/shapes";

    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable("LATENTSHARP_MODEL") is { Length: > 0 } fromEnv) return fromEnv;
        return Shipped() ?? throw new UsageException($"no --model given and the shipped model ({ShippedFolder}) was not found; pass --model PATH");
    }

    /// <summary>The shipped model's folder in the nearest enclosing repository, or null.</summary>
    public static string? Shipped()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, ShippedFolder);
                if (DiffusersLayout.IsPipelineFolder(candidate)) return candidate;
            }
        return null;
    }
}
