using LatentSharp.UNet;

namespace LatentSharp.Checkpoints;

/// <summary>
/// The SDXL U-Net must fit its text encoders: it attends to both encoders' hidden states side by side
/// (cross_attention_dim = hidden_size + hidden_size_2) and its text_time embedding reads the projected pooled
/// output plus six sinusoidally embedded time ids (projection_class_embeddings_input_dim = projection_dim_2 + 6 · addition_time_embed_dim).
/// </summary>
internal static class SdxlConditioningShape
{
    /// <summary>original_size (h, w), crops_coords_top_left (top, left), target_size (h, w).</summary>
    public const int TimeIds = 6;

    /// <summary>Throws a one-line <see cref="CheckpointException"/> on <paramref name="unetConfigPath"/> if the U-Net does not fit the text encoders.</summary>
    public static void Check(StableDiffusionConfigSet configs, string unetConfigPath)
    {
        var unet = configs.Unet;
        var first = configs.TextEncoder;
        var second = configs.TextEncoder2 ?? throw new CheckpointException(unetConfigPath, "an SDXL U-Net needs text_encoder_2");
        int context = first.HiddenSize + second.HiddenSize;
        foreach (int dim in unet.CrossAttentionDimPerBlock().Distinct())
            if (dim != context)
                throw new CheckpointException(unetConfigPath, $"cross_attention_dim {dim} does not fit the text encoders " +
                    $"(hidden sizes {first.HiddenSize} + {second.HiddenSize} = {context})");
        int added = second.ProjectionDim + TimeIds * unet.AdditionTimeEmbedDim!.Value;
        if (unet.ProjectionClassEmbeddingsInputDim != added)
            throw new CheckpointException(unetConfigPath, $"projection_class_embeddings_input_dim {unet.ProjectionClassEmbeddingsInputDim} does not fit " +
                $"text_encoder_2's projection_dim {second.ProjectionDim} + {TimeIds} × addition_time_embed_dim {unet.AdditionTimeEmbedDim} = {added}");
    }
}
