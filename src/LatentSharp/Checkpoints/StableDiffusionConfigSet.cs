using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Checkpoints;

/// <summary>The configs of the networks of a Stable Diffusion model, plus its scheduler's config.json text.</summary>
/// <param name="SchedulerConfigJson">The scheduler's config.json as diffusers writes it (read by the schedulers' SchedulerConfig).</param>
/// <param name="TextEncoder2">SDXL's second text encoder (CLIPTextModelWithProjection); null for SD 1.x/2.x.</param>
/// <param name="ForceZerosForEmptyPrompt">SDXL (model_index.json): a negative prompt that was not given conditions on zeros.</param>
public sealed record StableDiffusionConfigSet(
    StableDiffusionKind Kind,
    ClipTextConfig TextEncoder,
    UNet2DConditionConfig Unet,
    AutoencoderKLConfig Vae,
    string SchedulerConfigJson,
    ClipTextConfig? TextEncoder2 = null,
    bool ForceZerosForEmptyPrompt = false);
