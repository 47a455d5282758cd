using System.CommandLine;
using LatentSharp.Autoencoder;

namespace LatentSharp.Cli.Generation;

/// <summary>The <c>--vae-tile N</c> option of the generation and benchmark commands: tiled VAE decoding.</summary>
public static class VaeTileOption
{
    /// <summary>Smallest tile in latent pixels: it must exceed twice the overlap.</summary>
    public const int Min = 16;

    public static Option<int?> Create(string description) => CliOption.OptionalInt("--vae-tile", description, Min, 4096);

    /// <summary>Tiles of <paramref name="tile"/> latent pixels overlapping by a quarter of that; null: untiled.</summary>
    public static VaeTiling? Read(int? tile) => tile is int n ? new VaeTiling(n, Math.Max(n / 4, 1)) : null;
}
