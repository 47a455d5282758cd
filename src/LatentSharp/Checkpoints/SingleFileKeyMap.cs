using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Checkpoints;

/// <summary>
/// The one table between the original single-file checkpoint names and ours (diffusers' names). Original
/// SD 1.x/2.x files (CompVis / Stability LDM code) store the U-Net under <c>model.diffusion_model.</c>, the
/// autoencoder under <c>first_stage_model.</c> and the text encoder under <c>cond_stage_model.</c>: SD 1.x as
/// transformers' CLIPTextModel (already our names), SD 2.x as OpenCLIP (fused q/k/v). SDXL files (Stability's
/// "sgm" code) keep the U-Net and autoencoder names and store the text encoders as the conditioner's embedders:
/// <c>conditioner.embedders.0.transformer.</c> (CLIP ViT-L, transformers' names) and
/// <c>conditioner.embedders.1.model.</c> (OpenCLIP ViT-bigG, with its text_projection stored transposed).
/// Everything else in the loader is a plain name match.
/// </summary>
internal static class SingleFileKeyMap
{
    public const string UNetPrefix = "model.diffusion_model.";
    public const string VaePrefix = "first_stage_model.";
    public const string ClipPrefix = "cond_stage_model.transformer.";
    public const string OpenClipPrefix = "cond_stage_model.model.";
    public const string SdxlClipPrefix = "conditioner.embedders.0.transformer.";
    public const string SdxlOpenClipPrefix = "conditioner.embedders.1.model.";

    /// <summary>What every SDXL file's keys start with: the sgm conditioner's embedders.</summary>
    public const string SdxlConditionerPrefix = "conditioner.embedders.";

    /// <summary>Inside a U-Net residual block.</summary>
    static readonly Rename[] UNetResnet =
    [
        new("norm1.", "in_layers.0."), new("conv1.", "in_layers.2."), new("time_emb_proj.", "emb_layers.1."),
        new("norm2.", "out_layers.0."), new("conv2.", "out_layers.3."), new("conv_shortcut.", "skip_connection."),
    ];

    /// <summary>Inside a U-Net downsampler: the LDM code calls its convolution "op".</summary>
    static readonly Rename[] UNetDownsample = [new("conv.", "op.")];

    /// <summary>Inside an autoencoder residual block.</summary>
    static readonly Rename[] VaeResnet = [new("conv_shortcut.", "nin_shortcut.")];

    /// <summary>Inside the autoencoder's mid-block attention (stored as 1×1 convolutions: reshaped on load).</summary>
    static readonly Rename[] VaeAttention =
        [new("group_norm.", "norm."), new("to_q.", "q."), new("to_k.", "k."), new("to_v.", "v."), new("to_out.0.", "proj_out.")];

    /// <summary>Inside an OpenCLIP residual attention block.</summary>
    static readonly Rename[] OpenClipLayer =
    [
        new("layer_norm1.", "ln_1."), new("layer_norm2.", "ln_2."), new("mlp.fc1.", "mlp.c_fc."), new("mlp.fc2.", "mlp.c_proj."),
        new("self_attn.out_proj.", "attn.out_proj."),
        new("self_attn.q_proj.weight", "attn.in_proj_weight", 0, 3), new("self_attn.k_proj.weight", "attn.in_proj_weight", 1, 3),
        new("self_attn.v_proj.weight", "attn.in_proj_weight", 2, 3), new("self_attn.q_proj.bias", "attn.in_proj_bias", 0, 3),
        new("self_attn.k_proj.bias", "attn.in_proj_bias", 1, 3), new("self_attn.v_proj.bias", "attn.in_proj_bias", 2, 3),
    ];

    /// <summary>
    /// The U-Net: the LDM code numbers its blocks consecutively — input_blocks.n holds one resnet (.0) and
    /// its attention (.1), or a downsampler (.0.op); output_blocks.n holds a resnet, its attention and, at the
    /// end of a level, the upsampler.
    /// </summary>
    public static SingleFileNames UNet(UNet2DConditionConfig config)
    {
        int blocks = config.Blocks;
        int[] layers = config.LayersPerBlockList();
        var names = new SingleFileNames(UNetPrefix)
            .Add("conv_in.", "input_blocks.0.0.")
            .Add("time_embedding.linear_1.", "time_embed.0.")
            .Add("time_embedding.linear_2.", "time_embed.2.")
            .Add("add_embedding.linear_1.", "label_emb.0.0.")     // SDXL's text_time embedding ("adm" in sgm)
            .Add("add_embedding.linear_2.", "label_emb.0.2.")
            .Add("conv_norm_out.", "out.0.")
            .Add("conv_out.", "out.2.");

        int input = 1;
        for (int i = 0; i < blocks; i++)
        {
            for (int j = 0; j < layers[i]; j++, input++)
            {
                names.Add($"down_blocks.{i}.resnets.{j}.", $"input_blocks.{input}.0.", UNetResnet);
                names.Add($"down_blocks.{i}.attentions.{j}.", $"input_blocks.{input}.1.");
            }
            if (i < blocks - 1) names.Add($"down_blocks.{i}.downsamplers.0.", $"input_blocks.{input++}.0.", UNetDownsample);
        }

        names.Add("mid_block.resnets.0.", "middle_block.0.", UNetResnet)
             .Add("mid_block.attentions.0.", "middle_block.1.")
             .Add("mid_block.resnets.1.", "middle_block.2.", UNetResnet);

        int output = 0;
        for (int i = 0; i < blocks; i++)
        {
            int level = blocks - 1 - i, upLayers = layers[level] + 1;
            bool attention = config.UpBlockTypes[i] == "CrossAttnUpBlock2D";
            for (int j = 0; j < upLayers; j++, output++)
            {
                names.Add($"up_blocks.{i}.resnets.{j}.", $"output_blocks.{output}.0.", UNetResnet);
                names.Add($"up_blocks.{i}.attentions.{j}.", $"output_blocks.{output}.1.");
                if (j == upLayers - 1 && i < blocks - 1)
                    names.Add($"up_blocks.{i}.upsamplers.0.", $"output_blocks.{output}.{(attention ? 2 : 1)}.");
            }
        }
        return names;
    }

    /// <summary>The autoencoder: decoder levels are numbered from the lowest resolution up in diffusers, from the highest in LDM.</summary>
    public static SingleFileNames Vae(AutoencoderKLConfig config)
    {
        int levels = config.BlockOutChannels.Length;
        var names = new SingleFileNames(VaePrefix).Add("quant_conv.", "quant_conv.").Add("post_quant_conv.", "post_quant_conv.");
        foreach (var part in new[] { "encoder", "decoder" })
        {
            names.Add($"{part}.conv_in.", $"{part}.conv_in.")
                 .Add($"{part}.conv_norm_out.", $"{part}.norm_out.")
                 .Add($"{part}.conv_out.", $"{part}.conv_out.")
                 .Add($"{part}.mid_block.resnets.0.", $"{part}.mid.block_1.", VaeResnet)
                 .Add($"{part}.mid_block.resnets.1.", $"{part}.mid.block_2.", VaeResnet)
                 .Add($"{part}.mid_block.attentions.0.", $"{part}.mid.attn_1.", VaeAttention);
        }
        for (int i = 0; i < levels; i++)
        {
            for (int j = 0; j < config.LayersPerBlock; j++)
                names.Add($"encoder.down_blocks.{i}.resnets.{j}.", $"encoder.down.{i}.block.{j}.", VaeResnet);
            names.Add($"encoder.down_blocks.{i}.downsamplers.0.", $"encoder.down.{i}.downsample.");
            int level = levels - 1 - i;
            for (int j = 0; j < config.LayersPerBlock + 1; j++)
                names.Add($"decoder.up_blocks.{i}.resnets.{j}.", $"decoder.up.{level}.block.{j}.", VaeResnet);
            names.Add($"decoder.up_blocks.{i}.upsamplers.0.", $"decoder.up.{level}.upsample.");
        }
        return names;
    }

    /// <summary>
    /// SD 1.x (and SDXL's first text encoder under <see cref="SdxlClipPrefix"/>): transformers' CLIPTextModel, stored
    /// with or without its "text_model." level (older transformers).
    /// </summary>
    public static SingleFileNames Clip(bool hasTextModelLevel, string prefix = ClipPrefix) =>
        hasTextModelLevel ? new SingleFileNames(prefix).Add("", "") : new SingleFileNames(prefix).Add("text_model.", "");

    /// <summary>
    /// SD 2.x: the OpenCLIP text tower; only its first <c>num_hidden_layers</c> blocks are used. SDXL's second text
    /// encoder (under <see cref="SdxlOpenClipPrefix"/>) uses every block and the projection of the pooled output.
    /// </summary>
    public static SingleFileNames OpenClip(ClipTextConfig config, string prefix = OpenClipPrefix, bool withProjection = false)
    {
        var names = new SingleFileNames(prefix)
            .Add("text_model.embeddings.token_embedding.", "token_embedding.")
            .Add("text_model.embeddings.position_embedding.weight", "positional_embedding")
            .Add("text_model.final_layer_norm.", "ln_final.");
        for (int i = 0; i < config.NumHiddenLayers; i++)
            names.Add($"text_model.encoder.layers.{i}.", $"transformer.resblocks.{i}.", OpenClipLayer);
        // OpenCLIP computes pooled @ text_projection; transformers' Linear computes pooled @ weightᵀ.
        if (withProjection) names.AddTransposed("text_projection.weight", "text_projection");
        return names;
    }
}

/// <summary>One rename: a name prefix (or whole name) and what replaces it; optionally a row block of a fused tensor, or its transpose.</summary>
public sealed record Rename(string From, string To, int Chunk = 0, int Chunks = 1, bool Transposed = false);

/// <summary>
/// Prefix renames for one component of a single-file checkpoint: a block-level prefix
/// (<c>down_blocks.0.resnets.1.</c> → <c>input_blocks.2.0.</c>) then optionally one rename inside the block.
/// </summary>
public sealed class SingleFileNames(string filePrefix)
{
    readonly List<(Rename Block, Rename[] Inside)> blocks = [];

    public string FilePrefix => filePrefix;

    public SingleFileNames Add(string ours, string theirs, Rename[]? inside = null)
    {
        blocks.Add((new Rename(ours, theirs), inside ?? []));
        return this;
    }

    /// <summary>A whole-name rename of a matrix stored transposed.</summary>
    public SingleFileNames AddTransposed(string ours, string theirs)
    {
        blocks.Add((new Rename(ours, theirs), [new Rename("", "", Transposed: true)]));
        return this;
    }

    /// <summary>Where the file stores our parameter <paramref name="name"/>; null if no rule covers it.</summary>
    public WeightSource? Locate(string name)
    {
        foreach (var (block, inside) in blocks)
        {
            if (!name.StartsWith(block.From, StringComparison.Ordinal)) continue;
            string rest = name[block.From.Length..];
            var inner = inside.FirstOrDefault(r => rest.StartsWith(r.From, StringComparison.Ordinal));
            return inner is null
                ? new WeightSource(filePrefix + block.To + rest)
                : new WeightSource(filePrefix + block.To + inner.To + rest[inner.From.Length..], inner.Chunk, inner.Chunks, inner.Transposed);
        }
        return null;
    }
}
