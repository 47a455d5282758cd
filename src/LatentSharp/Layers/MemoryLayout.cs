using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Channels-last ("NHWC") activations: a [B, C, H, W] tensor whose channels are adjacent in memory. TorchSharp 0.107
/// has no memory_format argument, so the layout is made with a permuted copy and recognised by its strides.
/// </summary>
internal static class MemoryLayout
{
    /// <summary>True when <paramref name="image"/> [B, C, H, W] is stored channels-last and is not also plain contiguous
    /// (one channel, or 1×1 images, are both).</summary>
    public static bool IsChannelsLast(Tensor image)
    {
        if (image.dim() != 4 || image.is_contiguous()) return false;
        var stride = image.stride();
        long channels = image.shape[1], width = image.shape[3];
        return stride[1] == 1 && stride[3] == channels && stride[2] == channels * width;
    }

    /// <summary>A channels-last copy of <paramref name="image"/> [B, C, H, W] (same shape, channels adjacent in memory).</summary>
    public static Tensor ToChannelsLast(Tensor image)
    {
        using var nhwc = image.permute(0, 2, 3, 1);
        using var contiguous = nhwc.contiguous();
        return contiguous.permute(0, 3, 1, 2);
    }

    /// <summary>
    /// Stores the weights of <paramref name="module"/>'s k×k convolutions channels-last (or back to contiguous), in
    /// place: the parameters stay the same objects with the same values, only their strides change. A channels-last
    /// activation makes LibTorch copy a channels-first weight to channels-last on every call; stored so, it does not.
    /// </summary>
    public static void StoreConvolutionWeights(nn.Module module, bool channelsLast)
    {
        using var noGrad = no_grad();
        foreach (var conv in module.modules().OfType<Conv2d>())
        {
            if (conv.weight is not { } weight || weight.dim() != 4 || (weight.shape[2] == 1 && weight.shape[3] == 1)) continue;
            if (channelsLast == IsChannelsLast(weight)) continue;
            // Every handle on the old storage is disposed here: an undisposed detach() would keep the old copy alive
            // until a finalizer ran, doubling the memory of the restrided weights (seen as +0.9 GB in a bf16 SD 1.5
            // generate, +1.7 GB in fp32).
            using var source = weight.detach();
            using var stored = channelsLast ? ToChannelsLast(source) : source.contiguous();
            weight.set_(stored);
        }
    }
}
