using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// A 1×1 convolution (the transformers' proj_in/proj_out in SD 1.x, the residual blocks' conv_shortcut) computed as
/// the matrix product it is, W[O, C] · x[C, H·W] per image, where that is faster than the convolution kernel.
/// <para>
/// Why: in bf16 on the CPU LibTorch hands a 1×1 convolution to oneDNN's convolution, which reorders the weight into
/// its blocked layout on every call (TorchSharp has no prepacked weights) and, for channels-first activations, the
/// input and output too; the same product through oneDNN's matrix multiply reorders nothing. Measured on the SD 1.5
/// U-Net's shapes (batch 2, bf16, 2 threads): 320→320 at 64×64 7.1 → 3.6 ms, 960→320 at 64×64 26.6 → 10.0 ms,
/// 1280→1280 at 16×16 6.8 → 3.8 ms (docs/performance.md). In float32 the product goes to MKL, which is slower than
/// oneDNN's convolution for several of these shapes (see <see cref="TokenLinear"/>), so other dtypes keep the
/// convolution. The result is the same sum in another order (bf16 rounding).
/// </para>
/// </summary>
internal static class PointwiseConv
{
    // Off only in measurements that interleave both routes in one process (a scratch program sets it by reflection):
    // between processes this VM's speed drifts by more than the difference.
    static bool useMatrixProduct = true;

    /// <summary><c>conv.forward(input)</c> for a 1×1 convolution; channels-first input gives channels-first output,
    /// channels-last input channels-last output.</summary>
    public static Tensor ForwardPointwise(this Conv2d conv, Tensor input)
    {
        if (!UsesMatrixProduct(conv, input)) return conv.forward(input);
        long batch = input.shape[0], channels = input.shape[1], height = input.shape[2], width = input.shape[3];
        long outChannels = conv.weight!.shape[0];
        using var weight = conv.weight.view(outChannels, channels);
        if (MemoryLayout.IsChannelsLast(input))
        {
            // The channels are the innermost dimension: a linear layer over the pixels, no copy in or out.
            using var pixels = input.permute(0, 2, 3, 1);
            using var output = nn.functional.linear(pixels, weight, conv.bias);
            return output.permute(0, 3, 1, 2);
        }
        using var flat = input.view(batch, channels, height * width);
        using var product = matmul(weight, flat);                      // [B, O, H·W]: channels-first already
        if (conv.bias is { } bias)
        {
            using var column = bias.view(1, outChannels, 1);
            product.add_(column);
        }
        return product.view(batch, outChannels, height, width);
    }

    /// <summary>
    /// A transformer's proj_in: <c>conv.forward(image)</c> as image tokens [B, H·W, O]. For channels-first input the
    /// product reads the image transposed in place (xᵀ · Wᵀ), where the convolution's output needed a transposing copy
    /// into tokens: 320 channels at 64×64, batch 2, 21 → 9 ms.
    /// </summary>
    public static Tensor ToTokens(this Conv2d conv, Tensor image)
    {
        if (!UsesMatrixProduct(conv, image) || MemoryLayout.IsChannelsLast(image))
        {
            using var projected = conv.ForwardPointwise(image);
            using var channelsLast = projected.permute(0, 2, 3, 1);
            return channelsLast.reshape(image.shape[0], image.shape[2] * image.shape[3], projected.shape[1]);
        }
        long batch = image.shape[0], channels = image.shape[1], pixels = image.shape[2] * image.shape[3];
        using var flat = image.view(batch, channels, pixels);
        using var rows = flat.transpose(1, 2);                          // [B, H·W, C], a view
        using var weight = conv.weight!.view(conv.weight.shape[0], channels);
        using var weightT = weight.t();
        var tokens = matmul(rows, weightT);
        if (conv.bias is { } bias) tokens.add_(bias);
        return tokens;
    }

    /// <summary>
    /// A transformer's proj_out: <c>conv.forward(image)</c> where image is <paramref name="tokens"/> [B, H·W, C] seen as
    /// [B, C, H, W], in the layout the block's input had. For channels-first the product reads the tokens transposed in
    /// place (W · tokensᵀ) instead of after a copy into an image: 320 channels at 64×64, batch 2, 16 → 6 ms.
    /// </summary>
    public static Tensor FromTokens(this Conv2d conv, Tensor tokens, long height, long width, bool channelsLast)
    {
        long batch = tokens.shape[0], channels = tokens.shape[2];
        using var grid = tokens.reshape(batch, height, width, channels);
        using var image = grid.permute(0, 3, 1, 2);                     // channels-last view of the tokens
        if (channelsLast || !UsesMatrixProduct(conv, image))
        {
            if (channelsLast) return conv.ForwardPointwise(image);
            using var channelsFirst = image.contiguous();
            return conv.ForwardPointwise(channelsFirst);
        }
        long outChannels = conv.weight!.shape[0];
        using var weight = conv.weight.view(outChannels, channels);
        using var columns = tokens.transpose(1, 2);                     // [B, C, H·W], a view
        using var product = matmul(weight, columns);
        if (conv.bias is { } bias)
        {
            using var column = bias.view(1, outChannels, 1);
            product.add_(column);
        }
        return product.view(batch, outChannels, height, width);
    }

    /// <summary>True where the product is the faster route: bf16 on the CPU, a plain 1×1 convolution, and an input the
    /// product can read without a copy (channels-first contiguous or channels-last).</summary>
    static bool UsesMatrixProduct(Conv2d conv, Tensor input) =>
        useMatrixProduct && input.dtype == ScalarType.BFloat16 && input.device_type == DeviceType.CPU && input.dim() == 4
        && conv.weight is { } weight && weight.shape[2] == 1 && weight.shape[3] == 1 && weight.is_contiguous()
        && conv.groups == 1 && conv.stride.All(s => s == 1) && conv.padding is { } padding && padding.All(p => p == 0) && conv.dilation.All(d => d == 1)
        && (input.is_contiguous() || MemoryLayout.IsChannelsLast(input));
}
