using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// The inpainting mask as the pipelines use it: 1 where the image is repainted, 0 where it is kept,
/// binarised at 0.5 (diffusers' mask processor), optionally blurred first and inverted.
/// </summary>
internal static class InpaintingMask
{
    /// <param name="mask">[1, 3, H, W] in [0, 1] (white = repaint).</param>
    /// <returns>[1, 1, H, W] of 0/1.</returns>
    public static Tensor Prepare(Tensor mask, int blurRadius, bool invert)
    {
        using var scope = NewDisposeScope();
        var gray = mask.mean([1], keepdim: true);
        if (invert) gray = 1 - gray;
        if (blurRadius > 0) gray = GaussianBlur(gray, blurRadius);
        return (gray >= 0.5).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>The mask at latent resolution (nearest neighbour, as diffusers interpolates it).</summary>
    public static Tensor ToLatentSize(Tensor mask, long height, long width) =>
        nn.functional.interpolate(mask, [height, width], mode: InterpolationMode.Nearest);

    /// <summary>A separable Gaussian with σ = radius / 2, edges replicated.</summary>
    static Tensor GaussianBlur(Tensor image, int radius)
    {
        double sigma = radius / 2.0;
        var offsets = Enumerable.Range(-radius, 2 * radius + 1).Select(x => Math.Exp(-x * x / (2 * sigma * sigma))).ToArray();
        double sum = offsets.Sum();
        var kernel = torch.tensor(offsets.Select(w => (float)(w / sum)).ToArray());
        var padded = nn.functional.pad(image, [radius, radius, radius, radius], PaddingModes.Replicate);
        var horizontal = nn.functional.conv2d(padded, kernel.reshape(1, 1, 1, -1));
        return nn.functional.conv2d(horizontal, kernel.reshape(1, 1, -1, 1));
    }
}
