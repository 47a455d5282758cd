namespace LatentSharp.Autoencoder;

/// <summary>
/// How a large latent is cut for <see cref="TiledDecoding"/>: square tiles of <see cref="TileSize"/> latent
/// pixels, spread evenly so that neighbours overlap by at least <see cref="MinOverlap"/>. The default tile
/// (64, i.e. 512 pixels for SD) is the size the SD VAE is usually run at, so each tile sees the context it was
/// trained with, and a 1024² decode holds a quarter of the activations of an untiled one.
/// </summary>
public sealed record VaeTiling(int TileSize = 64, int MinOverlap = 16)
{
    /// <summary>Where the tiles start along a side of <paramref name="side"/> latent pixels (one tile at 0 if it fits).</summary>
    public IReadOnlyList<int> Starts(int side)
    {
        if (TileSize <= 2 * MinOverlap || MinOverlap < 1)
            throw new ArgumentException($"VAE tiling: the tile ({TileSize}) must exceed twice the overlap ({MinOverlap}), and the overlap be positive");
        if (side <= TileSize) return [0];
        int tiles = (int)Math.Ceiling((side - MinOverlap) / (double)(TileSize - MinOverlap));
        return Enumerable.Range(0, tiles).Select(i => (int)Math.Round(i * (side - TileSize) / (double)(tiles - 1))).ToArray();
    }
}
