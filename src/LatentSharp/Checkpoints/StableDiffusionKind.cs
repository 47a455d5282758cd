namespace LatentSharp.Checkpoints;

/// <summary>The Stable Diffusion generation a model belongs to, which fixes its text encoder family.</summary>
public enum StableDiffusionKind
{
    /// <summary>SD 1.x: OpenAI CLIP ViT-L/14 text encoder (quick_gelu), 1×1-conv transformer projections.</summary>
    Sd1,

    /// <summary>SD 2.x: OpenCLIP ViT-H/14 text encoder (gelu, penultimate layer), linear projections.</summary>
    Sd2,
}
