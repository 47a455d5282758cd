using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Checkpoints;

/// <summary>The configs of the three networks of a Stable Diffusion model, plus its scheduler's config.json text.</summary>
/// <param name="SchedulerConfigJson">The scheduler's config.json as diffusers writes it (read by the schedulers' SchedulerConfig).</param>
public sealed record StableDiffusionConfigSet(
    StableDiffusionKind Kind,
    ClipTextConfig TextEncoder,
    UNet2DConditionConfig Unet,
    AutoencoderKLConfig Vae,
    string SchedulerConfigJson);
