namespace LatentSharp.Blocks;

/// <summary>How the residual blocks of one model are built.</summary>
/// <param name="TembChannels">Width of the timestep embedding added after conv1; null for the VAE, which has none.</param>
/// <param name="Groups">GroupNorm groups.</param>
/// <param name="Eps">GroupNorm epsilon (norm_eps in the U-Net, 1e-6 in the VAE).</param>
/// <param name="OutputScaleFactor">The residual sum is divided by this (1 in Stable Diffusion).</param>
internal sealed record ResnetSettings(long? TembChannels, int Groups, double Eps, double OutputScaleFactor = 1.0);
