using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Imaging;

/// <summary>
/// Conversions between NCHW float tensors and 8-bit RGB images, with the same arithmetic as diffusers'
/// VaeImageProcessor: model space is [-1, 1]; going out, <c>(x / 2 + 0.5).clamp(0, 1)</c>, then
/// <c>(x * 255).round()</c> in float32 (round half to even, as numpy) to uint8; coming in,
/// <c>byte / 255</c> in float32, then <c>2x − 1</c>.
/// </summary>
public static class ImageTensors
{
    /// <summary>Images from a [B, 3, H, W] tensor in model space [-1, 1] (e.g. the VAE decoder's output).</summary>
    public static RgbImage[] FromModelSpace(Tensor images)
    {
        using var scope = NewDisposeScope();
        return FromUnitRange((images / 2 + 0.5).clamp(0, 1));
    }

    /// <summary>Images from a [B, 3, H, W] tensor in [0, 1]; values outside are clamped.</summary>
    public static RgbImage[] FromUnitRange(Tensor images)
    {
        CheckBatch(images);
        using var scope = NewDisposeScope();
        var hwc = (images.to(ScalarType.Float32).clamp(0, 1) * 255).round().to(ScalarType.Byte)
            .permute(0, 2, 3, 1).contiguous().cpu();
        int batch = (int)hwc.shape[0], height = (int)hwc.shape[1], width = (int)hwc.shape[2];
        var bytes = hwc.data<byte>().ToArray();
        int each = height * width * 3;
        return Enumerable.Range(0, batch)
            .Select(b => new RgbImage(width, height, bytes.AsSpan(b * each, each).ToArray()))
            .ToArray();
    }

    /// <summary>A [B, 3, H, W] float32 tensor in model space [-1, 1]; all images must have the same size.</summary>
    public static Tensor ToModelSpace(IReadOnlyList<RgbImage> images)
    {
        using var scope = NewDisposeScope();
        return (ToUnitRange(images) * 2 - 1).MoveToOuterDisposeScope();
    }

    public static Tensor ToModelSpace(RgbImage image) => ToModelSpace([image]);

    /// <summary>A [B, 3, H, W] float32 tensor in [0, 1]; all images must have the same size.</summary>
    public static Tensor ToUnitRange(IReadOnlyList<RgbImage> images)
    {
        if (images.Count == 0) throw new ArgumentException("no images", nameof(images));
        int width = images[0].Width, height = images[0].Height;
        var mismatch = images.FirstOrDefault(i => i.Width != width || i.Height != height);
        if (mismatch != null)
            throw new LatentSharpException($"images in one batch must have the same size: {width}x{height} and {mismatch.Width}x{mismatch.Height}");
        var bytes = new byte[images.Count * images[0].Pixels.Length];
        for (int b = 0; b < images.Count; b++) images[b].Pixels.CopyTo(bytes, b * images[0].Pixels.Length);
        using var scope = NewDisposeScope();
        var hwc = torch.tensor(bytes, [images.Count, height, width, 3], ScalarType.Byte);
        return (hwc.permute(0, 3, 1, 2).to(ScalarType.Float32) / 255f).contiguous().MoveToOuterDisposeScope();
    }

    public static Tensor ToUnitRange(RgbImage image) => ToUnitRange([image]);

    static void CheckBatch(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"expected a [B, 3, H, W] tensor, got [{string.Join(", ", images.shape)}]", nameof(images));
    }
}
