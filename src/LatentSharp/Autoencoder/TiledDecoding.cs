using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>
/// VAE decoding in overlapping tiles, cross-faded linearly over each overlap, so that the decoder's peak
/// memory follows the tile, not the image. The decoder's group norms and mid-block attention see one tile
/// instead of the whole image, so the result differs slightly from an untiled decode; the cross-fade keeps
/// that difference from showing as seams.
/// </summary>
internal static class TiledDecoding
{
    /// <param name="latent">[B, C, h, w], already divided by the scaling factor.</param>
    /// <returns>[B, out_channels, h·f, w·f] in float32.</returns>
    public static Tensor Decode(AutoencoderKL vae, Tensor latent, VaeTiling tiling)
    {
        using var scope = NewDisposeScope();
        int factor = vae.Config.DownscaleFactor, height = (int)latent.shape[2], width = (int)latent.shape[3];
        var rows = tiling.Starts(height);
        var columns = tiling.Starts(width);
        if (rows.Count == 1 && columns.Count == 1) return vae.Decode(latent).to_type(ScalarType.Float32).MoveToOuterDisposeScope();

        var output = zeros([latent.shape[0], vae.Config.OutChannels, height * factor, width * factor]);
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < columns.Count; c++)
            {
                using var tileScope = NewDisposeScope();
                int tileHeight = Math.Min(tiling.TileSize, height), tileWidth = Math.Min(tiling.TileSize, width);
                var tile = vae.Decode(latent.narrow(2, rows[r], tileHeight).narrow(3, columns[c], tileWidth)).to_type(ScalarType.Float32);
                var weight = Weights(rows, r, tileHeight, factor).unsqueeze(1) * Weights(columns, c, tileWidth, factor).unsqueeze(0);
                output.narrow(2, rows[r] * factor, tileHeight * factor).narrow(3, columns[c] * factor, tileWidth * factor).add_(tile * weight);
            }
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A tile's weight along one side, in pixels: 1 inside, rising linearly over the overlap with the previous
    /// tile and falling over the overlap with the next, so the weights of neighbouring tiles sum to 1.
    /// </summary>
    internal static Tensor Weights(IReadOnlyList<int> starts, int index, int tileSide, int factor)
    {
        var position = arange(tileSide * factor, dtype: ScalarType.Float32) + 0.5;
        var weight = ones(tileSide * factor);
        if (index > 0)
        {
            double overlap = (starts[index - 1] + tileSide - starts[index]) * factor;
            weight = minimum(weight, (position / overlap).clamp(0, 1));
        }
        if (index < starts.Count - 1)
        {
            double overlapStart = (starts[index + 1] - starts[index]) * factor, overlap = tileSide * factor - overlapStart;
            weight = minimum(weight, ((tileSide * factor - position) / overlap).clamp(0, 1));
        }
        return weight;
    }
}
