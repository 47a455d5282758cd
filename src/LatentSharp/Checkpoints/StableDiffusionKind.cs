namespace LatentSharp.Checkpoints;

/// <summary>The Stable Diffusion generation a model belongs to, which fixes its text encoders and conditioning.</summary>
public enum StableDiffusionKind
{
    /// <summary>SD 1.x: OpenAI CLIP ViT-L/14 text encoder (quick_gelu), 1×1-conv transformer projections.</summary>
    Sd1,

    /// <summary>SD 2.x: OpenCLIP ViT-H/14 text encoder (gelu, penultimate layer), linear projections.</summary>
    Sd2,

    /// <summary>
    /// SDXL (and SDXL-Turbo): CLIP ViT-L/14 and OpenCLIP ViT-bigG/14 text encoders (penultimate layers concatenated),
    /// the pooled bigG embedding and six size/crop numbers added to the timestep embedding (addition_embed_type text_time).
    /// </summary>
    Sdxl,
}

/// <summary>Readable names of the model families.</summary>
public static class StableDiffusionKindNames
{
    /// <summary>"Stable Diffusion 1.x", "Stable Diffusion 2.x", "Stable Diffusion XL".</summary>
    public static string DisplayName(this StableDiffusionKind kind) => kind switch
    {
        StableDiffusionKind.Sd1 => "Stable Diffusion 1.x",
        StableDiffusionKind.Sd2 => "Stable Diffusion 2.x",
        _ => "Stable Diffusion XL",
    };
}
