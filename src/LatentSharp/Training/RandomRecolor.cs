using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Colour augmentation for autoencoder training: an image is recoloured by mapping each RGB channel's range
/// [−1, 1] onto a random interval [u, v] (u, v uniform in [−1, 1], so the channel may also be inverted), one map
/// per image and channel. The shapes data has eight flat colours, and an autoencoder trained on them alone
/// snaps every colour to that palette (models/shapes-lora-pink/README.md); an affine map per channel sends any
/// two colours to any two others, so the recoloured images cover the RGB cube and the autoencoder learns to
/// reproduce colours its data never had — which a LoRA teaching a new colour needs. Affine maps keep
/// anti-aliased edges a blend of the two new colours, so the images stay ones the data could have drawn.
/// </summary>
public static class RandomRecolor
{
    /// <param name="pixels">Images in model space [−1, 1], (batch, 3, height, width).</param>
    /// <param name="probability">Share of images recoloured; the rest are returned unchanged.</param>
    /// <returns>The images, and which were recoloured ((batch, 1, 1, 1) booleans).</returns>
    public static (Tensor Pixels, Tensor Recolored) Apply(Tensor pixels, double probability, Generator random)
    {
        long batch = pixels.shape[0], channels = pixels.shape[1];
        var ends = rand([2, batch, channels, 1, 1], generator: random) * 2 - 1; // where −1 and +1 go
        var chosen = rand([batch, 1, 1, 1], generator: random) < probability;
        var recolored = (ends[1] - ends[0]) / 2 * pixels + (ends[1] + ends[0]) / 2;
        return (where(chosen, recolored, pixels), chosen);
    }
}
