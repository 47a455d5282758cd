namespace LatentSharp.UNet;

/// <summary>The attention settings of one U-Net block, resolved from the config's per-block values.</summary>
/// <param name="Heads">Number of attention heads; head width = channels / heads.</param>
/// <param name="CrossAttentionDim">Width of the text conditioning (768 for SD 1.x, 1024 for SD 2.x).</param>
/// <param name="TransformerLayers">BasicTransformerBlocks per Transformer2DModel.</param>
/// <param name="OnlyCrossAttention">The first attention also attends to the text instead of the image.</param>
/// <param name="UseLinearProjection">proj_in/proj_out are Linear (SD 2.x) instead of 1×1 convolutions (SD 1.x).</param>
/// <param name="UpcastAttention">Attention in float32 when the model runs in half precision (SD 2.1).</param>
/// <param name="NormGroups">Groups of the GroupNorm at the transformer's input.</param>
internal sealed record CrossAttentionSettings(
    int Heads, int CrossAttentionDim, int TransformerLayers, bool OnlyCrossAttention,
    bool UseLinearProjection, bool UpcastAttention, int NormGroups);
