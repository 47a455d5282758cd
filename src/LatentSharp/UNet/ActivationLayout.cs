namespace LatentSharp.UNet;

/// <summary>The memory layout of a network's [B, C, H, W] activations.</summary>
public enum ActivationLayout
{
    /// <summary>NCHW: each channel's plane contiguous (PyTorch's default).</summary>
    ChannelsFirst,
    /// <summary>NHWC: the channels of each pixel contiguous, the layout oneDNN's convolutions work in.</summary>
    ChannelsLast,
}
