using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// A Stable Diffusion model in memory: text encoder, U-Net and autoencoder, with the scheduler config and
/// tokenizer folder that came with it. Load one from a diffusers folder or an original single file, build
/// one from configs, and save it as a diffusers folder.
/// </summary>
public sealed class StableDiffusionModel : IDisposable
{
    public StableDiffusionModel(StableDiffusionConfigSet configs, ClipTextModel textEncoder, UNet2DConditionModel unet,
        AutoencoderKL vae, string name, string? sourcePath = null, string? tokenizerPath = null)
    {
        Configs = configs with { TextEncoder = textEncoder.Config, Unet = unet.Config, Vae = vae.Config };
        TextEncoder = textEncoder;
        Unet = unet;
        Vae = vae;
        Name = name;
        SourcePath = sourcePath;
        TokenizerPath = tokenizerPath;
    }

    public StableDiffusionConfigSet Configs { get; }
    public StableDiffusionKind Kind => Configs.Kind;
    public ClipTextModel TextEncoder { get; }
    public UNet2DConditionModel Unet { get; }
    public AutoencoderKL Vae { get; }

    /// <summary>The scheduler's config.json text, for the schedulers' SchedulerConfig.</summary>
    public string SchedulerConfigJson => Configs.SchedulerConfigJson;

    /// <summary>The model's name (its folder or file name).</summary>
    public string Name { get; }

    /// <summary>Where the model was loaded from; null for a model built in memory.</summary>
    public string? SourcePath { get; }

    /// <summary>The CLIP tokenizer folder (vocab.json, merges.txt), or null when none was found.</summary>
    public string? TokenizerPath { get; }

    /// <summary>Loads a diffusers pipeline folder or an original SD 1.x/2.x single-file .safetensors.</summary>
    /// <param name="dtype">Parameter dtype (weights are converted while reading, one tensor at a time).</param>
    /// <param name="tokenizerPath">A CLIP tokenizer folder, overriding the model's own or the one looked up in the Hugging Face cache.</param>
    /// <returns>Frozen models (no gradients) in eval mode.</returns>
    public static StableDiffusionModel Load(string path, ScalarType dtype = ScalarType.Float32, string? tokenizerPath = null)
    {
        using var checkpoint = StableDiffusionCheckpoint.Open(path, tokenizerPath, dtype);
        return checkpoint.Load(dtype);
    }

    /// <summary>A model with freshly initialised (random) weights, e.g. <c>Create(StableDiffusionConfigs.Sd15, "sd15-random")</c>.</summary>
    public static StableDiffusionModel Create(StableDiffusionConfigSet configs, string name, string? tokenizerPath = null) =>
        new(configs, new ClipTextModel(configs.TextEncoder), new UNet2DConditionModel(configs.Unet), new AutoencoderKL(configs.Vae),
            name, null, tokenizerPath);

    /// <summary>The tokenizer folder, or a one-line error saying how to provide one.</summary>
    public string RequireTokenizerPath() => TokenizerPath ?? throw new LatentSharpException(
        $"{Name}: no CLIP tokenizer found; pass a tokenizer folder (vocab.json + merges.txt) or download " +
        (Kind == StableDiffusionKind.Sd1 ? "openai/clip-vit-large-patch14" : "stabilityai/stable-diffusion-2-1 (tokenizer/)") +
        $" into the Hugging Face cache ({TokenizerLocator.DefaultHubCache()})");

    /// <summary>
    /// Writes a diffusers pipeline folder (configs, safetensors weights under diffusers names, scheduler config,
    /// tokenizer files when known). The folder appears complete or not at all.
    /// </summary>
    /// <param name="dtype">Store floating-point weights in this dtype (Float16 for a half-size copy); default: as in memory.</param>
    public void Save(string folder, ScalarType? dtype = null) => DiffusersFolderWriter.Write(this, folder, dtype);

    public void Dispose()
    {
        TextEncoder.Dispose();
        Unet.Dispose();
        Vae.Dispose();
    }
}
