using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// A standalone diffusers autoencoder folder (<c>vae/</c>: config.json + diffusion_pytorch_model.safetensors),
/// what <c>sd train vae</c> writes and <c>sd train unet --vae</c> reads. A path may name the vae folder
/// itself or a folder that contains one (a VAE run, a pipeline).
/// </summary>
internal static class AutoencoderFolder
{
    public const string ConfigFile = "config.json", WeightsFile = "diffusion_pytorch_model.safetensors";

    /// <summary>The vae folder <paramref name="path"/> names, or a one-line error.</summary>
    public static string Resolve(string path)
    {
        foreach (var candidate in new[] { path, Path.Combine(path, "vae") })
            if (File.Exists(Path.Combine(candidate, ConfigFile)) && File.Exists(Path.Combine(candidate, WeightsFile)))
                return Path.GetFullPath(candidate);
        throw new LatentSharpException($"{path}: not an autoencoder folder (expected {ConfigFile} and {WeightsFile} in it or in its vae/)");
    }

    /// <summary>The config of the autoencoder <paramref name="path"/> names.</summary>
    public static AutoencoderKLConfig ReadConfig(string path) => ConfigJson.Read<AutoencoderKLConfig>(Path.Combine(Resolve(path), ConfigFile));

    /// <summary>Loads the autoencoder, frozen, with its config changed by <paramref name="adjust"/> (a new scaling factor, say).</summary>
    public static AutoencoderKL Load(string path, Func<AutoencoderKLConfig, AutoencoderKLConfig>? adjust = null)
    {
        string folder = Resolve(path);
        var config = ReadConfig(folder);
        var vae = new AutoencoderKL(adjust?.Invoke(config) ?? config, new Device(DeviceType.META));
        try
        {
            using var weights = SafetensorsFile.Open(Path.Combine(folder, WeightsFile));
            WeightLoader.Load(vae, ComponentWeights.SameNames(weights), ScalarType.Float32);
            return vae;
        }
        catch
        {
            vae.Dispose();
            throw;
        }
    }

    /// <summary>Writes the folder; it appears complete or not at all.</summary>
    /// <param name="config">The config to write, if not the model's own (a measured scaling factor, say).</param>
    public static void Save(AutoencoderKL vae, string folder, ScalarType? dtype = null, AutoencoderKLConfig? config = null) =>
        AtomicFolder.Write(folder, staging =>
            DiffusersFolderWriter.WriteNetwork(staging, Path.GetFileNameWithoutExtension(WeightsFile), config ?? vae.Config, vae, dtype));
}
