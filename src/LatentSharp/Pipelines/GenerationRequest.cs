using LatentSharp.Adapters;
using LatentSharp.Imaging;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// What to generate. Text-to-image needs only a prompt; an <see cref="Image"/> makes it image-to-image,
/// and an image plus a <see cref="Mask"/> makes it inpainting. Unset sizes and sampler come from the model.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>What to draw (diffusers' prompt; in A1111's syntax with <see cref="PromptSyntax"/> = A1111).</summary>
    public required string Prompt { get; init; }

    /// <summary>
    /// What to steer away from. null means "not given": SD 1.x/2.x then use the empty prompt (the same thing), and SDXL
    /// models whose model_index.json says force_zeros_for_empty_prompt condition on zeros, as diffusers does with
    /// <c>negative_prompt=None</c>. An explicit "" is encoded like any prompt.
    /// </summary>
    public string? NegativePrompt { get; init; }

    /// <summary>SDXL: the prompt for the second text encoder (diffusers' prompt_2); null or empty: <see cref="Prompt"/>.</summary>
    public string? Prompt2 { get; init; }

    /// <summary>SDXL: the negative prompt for the second text encoder; null or empty: <see cref="NegativePrompt"/>.</summary>
    public string? NegativePrompt2 { get; init; }

    /// <summary>SDXL micro-conditioning: the size the image "was" before cropping; null: the generated size (diffusers' default).</summary>
    public PixelSize? OriginalSize { get; init; }

    /// <summary>SDXL micro-conditioning: where the crop starts in the original; null: (0, 0), an uncropped image.</summary>
    public CropOffset? CropTopLeft { get; init; }

    /// <summary>SDXL micro-conditioning: the size the image is meant to be; null: the generated size.</summary>
    public PixelSize? TargetSize { get; init; }

    /// <summary>Image width in pixels, a multiple of 8; null: the image's width, else the model's default.</summary>
    public int? Width { get; init; }

    /// <summary>Image height in pixels, a multiple of 8; null: the image's height, else the model's default.</summary>
    public int? Height { get; init; }

    /// <summary>Denoising steps of the schedule (image-to-image runs the last Strength × Steps of them). Default 25.</summary>
    public int Steps { get; init; } = 25;

    /// <summary>Classifier-free guidance scale s: ε = ε_u + s·(ε_c − ε_u). At s ≤ 1 the unconditional pass is skipped.</summary>
    public double GuidanceScale { get; init; } = 7.5;

    /// <summary>Image i of the batch draws all its noise from a CPU generator seeded <c>Seed + i</c>, as diffusers does.</summary>
    public long Seed { get; init; }

    /// <summary>Images made together, image i from seed <see cref="Seed"/> + i. Default 1.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>A sampler name (<c>SchedulerFactory.Names</c>); null: the model's own scheduler.</summary>
    public string? Scheduler { get; init; }

    /// <summary>"leading", "trailing" or "linspace" instead of the model scheduler's timestep_spacing (SDXL-Turbo: trailing); null: the model's.</summary>
    public string? TimestepSpacing { get; init; }

    /// <summary>diffusers' clip_skip: condition on the output of the k-th layer before the last (0 = the last).</summary>
    public int ClipSkip { get; init; }

    /// <summary>How the prompts are read: <see cref="PromptSyntax.Plain"/> (diffusers, the default) or A1111's syntax.</summary>
    public PromptSyntax PromptSyntax { get; init; } = PromptSyntax.Plain;

    /// <summary>LoRAs for this generation only, added to the pipeline's own and to the prompt's &lt;lora:…&gt; tags.</summary>
    public IReadOnlyList<LoraApplication> Loras { get; init; } = [];

    /// <summary>Starting latents [B, C, h, w], used exactly as diffusers' <c>latents=</c> (scaled by init_noise_sigma).</summary>
    public Tensor? InitialLatents { get; init; }

    /// <summary>The input image of image-to-image and inpainting.</summary>
    public RgbImage? Image { get; init; }

    /// <summary>How much of the image to repaint, in (0, 1]; null: 0.8 for image-to-image, 1.0 for inpainting (diffusers' defaults).</summary>
    public double? Strength { get; init; }

    /// <summary>Inpainting mask: white is repainted, black is kept (grey is thresholded at 50%).</summary>
    public RgbImage? Mask { get; init; }

    /// <summary>Blur radius in pixels applied to the mask before use (AUTOMATIC1111's "mask blur").</summary>
    public int MaskBlur { get; init; }

    /// <summary>Repaint the black part instead of the white part.</summary>
    public bool InvertMask { get; init; }

    /// <summary>Text-to-image without an image, image-to-image with one, inpainting with an image and a mask.</summary>
    public GenerationMode Mode => Image is null ? GenerationMode.TextToImage
        : Mask is null ? GenerationMode.ImageToImage : GenerationMode.Inpainting;

    /// <summary><see cref="Strength"/>, or the mode's default when it is null.</summary>
    public double EffectiveStrength => Strength ?? (Mode == GenerationMode.Inpainting ? 1.0 : 0.8);
}

/// <summary>What a <see cref="GenerationRequest"/> asks for, from the inputs it has (<see cref="GenerationRequest.Mode"/>).</summary>
public enum GenerationMode
{
    /// <summary>From noise, guided by the prompt (<c>sd generate</c>).</summary>
    TextToImage,

    /// <summary>From the request's image, noised by its strength (<c>sd img2img</c>).</summary>
    ImageToImage,

    /// <summary>The white part of the request's mask repainted, the rest kept (<c>sd inpaint</c>).</summary>
    Inpainting,
}
