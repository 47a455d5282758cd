using LatentSharp.Cli.Generation;

namespace LatentSharp.Tests.Support;

/// <summary>The model shipped in the repository's models/shapes (never $LATENTSHARP_MODEL: these tests are about it).</summary>
public static class ShippedModel
{
    public static string Folder =>
        DefaultModel.Shipped() ?? throw new DirectoryNotFoundException($"{DefaultModel.ShippedFolder} not found above {AppContext.BaseDirectory}");
}
