using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Runs a convolution with its channel counts rounded up to oneDNN's block of 16 (zero weights, zero
/// inputs, the extra outputs cut off), which gives exactly the same result as the plain call.
/// <para>
/// Why: LibTorch 2.7's oneDNN (3.7.1) computes wrong values on some x86 processors (seen on AMD EPYC
/// family 26, "Zen 5") when a k×k convolution's channel count is not a multiple of the block: bf16
/// forward passes off by 20% with out-channels 3 or 4 (every SD conv_out), float32 backward passes
/// (grad of the input) off or NaN with such out-channels, and float32 forward passes NaN with in-channels
/// 17–31, 33–47 …. The errors change from call to call — the kernels read the padding of their blocked
/// buffers — so they break training and bf16 images without failing loudly. Full blocks are always
/// right, and 1×1 convolutions and in-channels below 16 were right in every probe, so only the other
/// shapes take the detour; it costs a few small extra products (SD's conv_out: 4 → 16 channels).
/// </para>
/// </summary>
internal static class BlockAlignedConv
{
    const long Block = 16;

    /// <summary>The convolution's output for <paramref name="input"/>, as <c>conv.forward(input)</c> computes it where oneDNN is right.</summary>
    public static Tensor ForwardAligned(this Conv2d conv, Tensor input)
    {
        var weight = conv.weight!;
        long outChannels = weight.shape[0], inChannels = weight.shape[1];
        long padOut = PaddingFor(outChannels), padIn = inChannels > Block ? PaddingFor(inChannels) : 0;
        bool onlyPointwise = weight.shape[2] == 1 && weight.shape[3] == 1;
        if (onlyPointwise || (padOut == 0 && padIn == 0) || conv.groups != 1 || input.device_type != DeviceType.CPU)
            return conv.forward(input);

        using var scope = NewDisposeScope();
        // F.pad lists (before, after) pairs from the last dimension backwards: [kw, kh, in, out].
        var alignedWeight = nn.functional.pad(weight, [0, 0, 0, 0, 0, padIn, 0, padOut]);
        var alignedBias = conv.bias is { } bias ? nn.functional.pad(bias, [0, padOut]) : null;
        var alignedInput = padIn > 0 ? nn.functional.pad(input, [0, 0, 0, 0, 0, padIn]) : input;
        var output = nn.functional.conv2d(alignedInput, alignedWeight, alignedBias, conv.stride, conv.padding, conv.dilation);
        if (padOut == 0) return output.MoveToOuterDisposeScope();
        // The cut-off output in the input's layout: a channels-last input keeps the network channels-last.
        using var kept = output.narrow(1, 0, outChannels);
        return (MemoryLayout.IsChannelsLast(input) ? MemoryLayout.ToChannelsLast(kept) : kept.contiguous()).MoveToOuterDisposeScope();
    }

    static long PaddingFor(long channels) => (Block - channels % Block) % Block;
}
