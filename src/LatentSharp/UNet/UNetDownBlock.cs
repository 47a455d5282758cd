using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>One level of the U-Net's contracting path.</summary>
internal abstract class UNetDownBlock(string name) : nn.Module(name)
{
    /// <returns>The block's output and the skip connections it hands to the expanding path: the output of each
    /// layer, then the downsampled output (which is also <c>Output</c> when the block downsamples).</returns>
    public abstract (Tensor Output, IReadOnlyList<Tensor> Skips) Forward(Tensor hiddenStates, Tensor temb, Tensor encoderHiddenStates);
}
