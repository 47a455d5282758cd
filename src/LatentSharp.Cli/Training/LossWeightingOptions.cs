using System.CommandLine;

namespace LatentSharp.Cli.Training;

/// <summary>
/// How each timestep's error counts in the diffusion loss, declared once for `sd train unet` and `sd train lora`
/// (both hand them to <see cref="LatentSharp.Training.DiffusionObjective.Loss"/>).
/// </summary>
public sealed class LossWeightingOptions
{
    public readonly Option<double?> SnrGamma = CliOption.OptionalDouble("--snr-gamma", "weigh timesteps by Min-SNR-γ (e.g. 5; default: all alike)", 1e-3, 1e6);
    public readonly Option<double?> SnrFloor = CliOption.OptionalDouble("--snr-floor",
        "let every timestep's clean-image error count at least this much (e.g. 1; default: SNR, so the noisiest steps, where the layout and colours are decided, barely count)", 1e-6, 1e6);
}
