using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.UNet;

/// <summary>
/// The U-Net's hyper-parameters, field for field as diffusers' UNet2DConditionModel writes config.json
/// (defaults are diffusers' defaults). Fields we do not model are kept in <see cref="Extra"/>;
/// <see cref="Validate"/> rejects the diffusers features this implementation does not have.
/// </summary>
public sealed record UNet2DConditionConfig
{
    [JsonPropertyName("_class_name")] public string ClassName { get; init; } = "UNet2DConditionModel";
    [JsonPropertyName("_diffusers_version")] public string? DiffusersVersion { get; init; } = "0.27.2";

    /// <summary>Latent side the model was trained at (64 for SD 1.x at 512², 96 for SD 2.x at 768²).</summary>
    public int? SampleSize { get; init; }

    public int InChannels { get; init; } = 4;
    public int OutChannels { get; init; } = 4;
    public bool CenterInputSample { get; init; }
    public bool FlipSinToCos { get; init; } = true;
    public double FreqShift { get; init; }
    public string[] DownBlockTypes { get; init; } = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"];
    public string? MidBlockType { get; init; } = "UNetMidBlock2DCrossAttn";
    public string[] UpBlockTypes { get; init; } = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"];
    public PerBlock<bool> OnlyCrossAttention { get; init; } = false;
    public int[] BlockOutChannels { get; init; } = [320, 640, 1280, 1280];
    public PerBlock<int> LayersPerBlock { get; init; } = 2;
    public int DownsamplePadding { get; init; } = 1;
    public double MidBlockScaleFactor { get; init; } = 1;
    public double Dropout { get; init; }
    public string ActFn { get; init; } = "silu";
    public int? NormNumGroups { get; init; } = 32;
    public double NormEps { get; init; } = 1e-5;
    public PerBlock<int> CrossAttentionDim { get; init; } = 1280;
    public PerBlock<int> TransformerLayersPerBlock { get; init; } = 1;

    /// <summary>
    /// Despite the name, in the Stable Diffusion configs this is the NUMBER of attention heads per block
    /// (diffusers keeps the historical misnomer: heads = num_attention_heads ?? attention_head_dim).
    /// </summary>
    public PerBlock<int>? AttentionHeadDim { get; init; } = 8;

    public PerBlock<int>? NumAttentionHeads { get; init; }
    public bool DualCrossAttention { get; init; }
    public bool UseLinearProjection { get; init; }
    public string? ClassEmbedType { get; init; }

    /// <summary>null, or "text_time" (SDXL): pooled text embedding and size/crop numbers added to the timestep embedding.</summary>
    public string? AdditionEmbedType { get; init; }

    /// <summary>Width of the sinusoidal features of each added time id (256 for SDXL).</summary>
    public int? AdditionTimeEmbedDim { get; init; }

    /// <summary>Input width of add_embedding: pooled text width + time ids × addition_time_embed_dim (2816 for SDXL base).</summary>
    public int? ProjectionClassEmbeddingsInputDim { get; init; }

    /// <summary>Per-layer transformer depths of the up blocks; null: the down blocks' reversed (the only layout supported).</summary>
    public JsonElement? ReverseTransformerLayersPerBlock { get; init; }
    public int? NumClassEmbeds { get; init; }
    /// <summary>Attention in float32 for half-precision runs (SD 2.1: true; SDXL's config leaves it null = false).</summary>
    public bool? UpcastAttention { get; init; }
    public string ResnetTimeScaleShift { get; init; } = "default";
    public string TimeEmbeddingType { get; init; } = "positional";
    public int? TimeEmbeddingDim { get; init; }
    public string? TimeEmbeddingActFn { get; init; }
    public string? TimestepPostAct { get; init; }
    public int? TimeCondProjDim { get; init; }
    public int? EncoderHidDim { get; init; }
    public int ConvInKernel { get; init; } = 3;
    public int ConvOutKernel { get; init; } = 3;
    public string AttentionType { get; init; } = "default";

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    public const string TextTimeEmbedding = "text_time";

    public int Blocks => BlockOutChannels.Length;

    /// <summary>SDXL-style added conditioning: the U-Net needs text_embeds and time_ids besides the context.</summary>
    public bool HasTextTimeEmbedding => AdditionEmbedType == TextTimeEmbedding;

    /// <summary>Width of the timestep embedding: time_embedding_dim, else 4 × the first block's channels.</summary>
    public int TimeEmbedDim => TimeEmbeddingDim ?? BlockOutChannels[0] * 4;

    /// <summary>Attention heads of each down block (diffusers' rule: num_attention_heads or attention_head_dim).</summary>
    public int[] HeadsPerBlock() =>
        (NumAttentionHeads ?? AttentionHeadDim ?? throw new LatentSharpException("UNet config: neither num_attention_heads nor attention_head_dim is set"))
        .For(Blocks, NumAttentionHeads != null ? "num_attention_heads" : "attention_head_dim");

    public int[] CrossAttentionDimPerBlock() => CrossAttentionDim.For(Blocks, "cross_attention_dim");
    public int[] LayersPerBlockList() => LayersPerBlock.For(Blocks, "layers_per_block");
    public int[] TransformerLayersPerBlockList() => TransformerLayersPerBlock.For(Blocks, "transformer_layers_per_block");
    public bool[] OnlyCrossAttentionPerBlock() => OnlyCrossAttention.For(Blocks, "only_cross_attention");

    /// <summary>Throws a one-line <see cref="LatentSharpException"/> naming the first setting this U-Net cannot build.</summary>
    public UNet2DConditionConfig Validate()
    {
        Require(Blocks > 0 && BlockOutChannels.All(c => c > 0), "block_out_channels must be a non-empty list of positive numbers");
        Require(DownBlockTypes.Length == Blocks && UpBlockTypes.Length == Blocks,
            $"down_block_types ({DownBlockTypes.Length}) and up_block_types ({UpBlockTypes.Length}) must have one entry per block_out_channels ({Blocks})");
        foreach (var t in DownBlockTypes) Require(t is "CrossAttnDownBlock2D" or "DownBlock2D", $"down block type '{t}' is not supported");
        foreach (var t in UpBlockTypes) Require(t is "CrossAttnUpBlock2D" or "UpBlock2D", $"up block type '{t}' is not supported");
        Require(MidBlockType == "UNetMidBlock2DCrossAttn", $"mid_block_type '{MidBlockType}' is not supported");
        Require(ActFn is "silu" or "swish", $"act_fn '{ActFn}' is not supported (silu)");
        Require(NormNumGroups is > 0, "norm_num_groups must be set");
        Require(TimeEmbeddingType == "positional", $"time_embedding_type '{TimeEmbeddingType}' is not supported (positional)");
        Require(ResnetTimeScaleShift == "default", $"resnet_time_scale_shift '{ResnetTimeScaleShift}' is not supported (default)");
        Require(AttentionType == "default", $"attention_type '{AttentionType}' is not supported (default)");
        Require(!DualCrossAttention, "dual_cross_attention is not supported");
        Require(ClassEmbedType == null && NumClassEmbeds == null, "class embeddings are not supported");
        Require(AdditionEmbedType is null or TextTimeEmbedding, $"addition_embed_type '{AdditionEmbedType}' is not supported (null or {TextTimeEmbedding})");
        if (AdditionEmbedType == TextTimeEmbedding)
            Require(AdditionTimeEmbedDim is > 0 && ProjectionClassEmbeddingsInputDim is > 0,
                $"addition_embed_type {TextTimeEmbedding} needs positive addition_time_embed_dim and projection_class_embeddings_input_dim");
        Require(ReverseTransformerLayersPerBlock is null || ReverseTransformerLayersPerBlock.Value.ValueKind == JsonValueKind.Null,
            "reverse_transformer_layers_per_block is not supported");
        Require(EncoderHidDim == null, "encoder_hid_dim is not supported");
        Require(TimeCondProjDim == null, "time_cond_proj_dim is not supported");
        Require(TimeEmbeddingActFn == null && TimestepPostAct == null, "extra time-embedding activations are not supported");
        Require(ConvInKernel % 2 == 1 && ConvOutKernel % 2 == 1, "conv_in_kernel and conv_out_kernel must be odd");
        int[] channels = BlockOutChannels, heads = HeadsPerBlock();
        for (int i = 0; i < Blocks; i++)
        {
            Require(channels[i] % NormNumGroups!.Value == 0, $"block_out_channels[{i}] = {channels[i]} is not divisible by norm_num_groups {NormNumGroups}");
            Require(heads[i] > 0 && channels[i] % heads[i] == 0, $"block_out_channels[{i}] = {channels[i]} is not divisible by {heads[i]} attention heads");
        }
        Require(LayersPerBlockList().All(n => n > 0) && TransformerLayersPerBlockList().All(n => n > 0) && CrossAttentionDimPerBlock().All(n => n > 0),
            "layers_per_block, transformer_layers_per_block and cross_attention_dim must be positive");
        OnlyCrossAttentionPerBlock();
        return this;
    }

    static void Require(bool ok, string what)
    {
        if (!ok) throw new LatentSharpException($"UNet config: {what}");
    }
}
