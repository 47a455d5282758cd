using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// A linear layer over the image tokens of a transformer block. In float32 on the CPU, LibTorch hands matrix
/// products to MKL, which on this project's reference machine (AMD EPYC) runs the U-Net's shapes 5-90% slower
/// than oneDNN's convolution kernels; the same product as a 1×1 convolution over the tokens laid out
/// channels-last goes to oneDNN with no copy in or out. Other dtypes (bf16 already goes to oneDNN), short
/// sequences and non-contiguous inputs use the layer as it is.
/// </summary>
internal static class TokenLinear
{
    const long MinTokens = 256;

    /// <param name="tokens">[B, N, in_features]</param>
    public static Tensor Forward(Linear layer, Tensor tokens)
    {
        if (tokens.dtype != ScalarType.Float32 || tokens.device_type != DeviceType.CPU || tokens.dim() != 3
            || tokens.shape[1] < MinTokens || !tokens.is_contiguous())
            return layer.forward(tokens);
        long batch = tokens.shape[0], count = tokens.shape[1], inFeatures = tokens.shape[2], outFeatures = layer.weight!.shape[0];
        using var rows = tokens.view(batch, count, 1, inFeatures);
        using var image = rows.permute(0, 3, 1, 2);                           // [B, in, N, 1], channels-last strides
        using var kernel = layer.weight.view(outFeatures, inFeatures, 1, 1);
        using var output = nn.functional.conv2d(image, kernel, layer.bias);   // [B, out, N, 1], channels-last
        using var outputRows = output.permute(0, 2, 3, 1);
        return outputRows.reshape(batch, count, outFeatures);
    }
}
