using System.Globalization;
using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Checkpoints;

/// <summary>
/// Infers the configs of an original single-file SD 1.x/2.x/XL checkpoint from its weight shapes, starting from
/// the reference model of its generation (SD 1.5, SD 2.1 or SDXL 1.0 base) for what shapes cannot tell (sample
/// sizes, the scheduler). Head counts follow the reference models: SD 1.x U-Nets use 8 heads per block, SD 2.x
/// and SDXL 64-wide heads; CLIP text towers use 64-wide heads (8-wide in towers narrower than 64, as the tiny
/// test models). Models that break these rules load with their configs given (a diffusers folder's).
/// </summary>
internal static class SingleFileConfigs
{
    const string U = SingleFileKeyMap.UNetPrefix;
    const string V = SingleFileKeyMap.VaePrefix;

    public static bool IsStableDiffusion(SafetensorsFile file) => file.Keys.Any(k => k.StartsWith(U, StringComparison.Ordinal));

    public static StableDiffusionConfigSet Infer(SafetensorsFile file)
    {
        if (!IsStableDiffusion(file))
            throw new CheckpointException(file.Path, $"not a Stable Diffusion checkpoint: no {U}* weights");
        var kind = DetectKind(file);
        var template = StableDiffusionConfigs.For(kind);
        if (kind == StableDiffusionKind.Sdxl) return InferSdxl(file, template);
        return template with
        {
            TextEncoder = kind == StableDiffusionKind.Sd1 ? InferClip(file, template.TextEncoder) : InferOpenClip(file, template.TextEncoder),
            Unet = InferUNet(file, kind, template.Unet),
            Vae = InferVae(file, template.Vae),
        };
    }

    /// <summary>
    /// SDXL: both text towers whole (the U-Net reads the penultimate layer of each, the pooled output comes from
    /// the last), and the U-Net's text_time embedding, whose input is the pooled width plus six time ids.
    /// </summary>
    static StableDiffusionConfigSet InferSdxl(SafetensorsFile file, StableDiffusionConfigSet template)
    {
        var textEncoder2 = InferOpenClip(file, template.TextEncoder2!, SingleFileKeyMap.SdxlOpenClipPrefix, keepLastLayer: true);
        var unet = InferUNet(file, StableDiffusionKind.Sdxl, template.Unet);
        const string addEmbedding = U + "label_emb.0.0.weight";
        if (!file.Contains(addEmbedding))
            throw new CheckpointException(file.Path, $"SDXL checkpoint without the U-Net's text_time embedding ({addEmbedding})");
        int addInput = (int)Shape(file, addEmbedding)[1], timeIds = addInput - textEncoder2.ProjectionDim;
        if (timeIds <= 0 || timeIds % SdxlConditioningShape.TimeIds != 0)
            throw new CheckpointException(file.Path, $"{addEmbedding} takes {addInput} features; SDXL's text_time embedding takes the " +
                $"{textEncoder2.ProjectionDim} pooled text features plus {SdxlConditioningShape.TimeIds} equal time-id embeddings");
        return template with
        {
            TextEncoder = InferClip(file, template.TextEncoder, SingleFileKeyMap.SdxlClipPrefix),
            TextEncoder2 = textEncoder2,
            Unet = unet with
            {
                AdditionEmbedType = UNet2DConditionConfig.TextTimeEmbedding,
                ProjectionClassEmbeddingsInputDim = addInput,
                AdditionTimeEmbedDim = timeIds / SdxlConditioningShape.TimeIds,
            },
            Vae = InferVae(file, template.Vae),
        };
    }

    /// <summary>Why an SDXL refiner is refused (folder or single file): one line.</summary>
    public const string SdxlRefinerRefusal =
        "an SDXL refiner (text_encoder_2 only, aesthetic-score conditioning) is not supported; use an SDXL base model with img2img instead";

    /// <summary>True when the CLIP text encoder is stored with transformers' "text_model." level.</summary>
    public static bool ClipHasTextModelLevel(SafetensorsFile file, string prefix = SingleFileKeyMap.ClipPrefix) =>
        file.Contains(prefix + "text_model.embeddings.token_embedding.weight");

    /// <summary>The generation of a single file, from which text encoders it holds (SDXL refiners are refused).</summary>
    public static StableDiffusionKind DetectKind(SafetensorsFile file)
    {
        if (file.Keys.Any(k => k.StartsWith(SingleFileKeyMap.SdxlConditionerPrefix, StringComparison.Ordinal)))
        {
            if (file.Contains(SingleFileKeyMap.SdxlConditionerPrefix + "0.model.token_embedding.weight"))
                throw new CheckpointException(file.Path, SdxlRefinerRefusal);
            if (!ClipHasTextModelLevel(file, SingleFileKeyMap.SdxlClipPrefix)
                && !file.Contains(SingleFileKeyMap.SdxlClipPrefix + "embeddings.token_embedding.weight"))
                throw new CheckpointException(file.Path, $"SDXL checkpoint without its first text encoder ({SingleFileKeyMap.SdxlClipPrefix}text_model.*)");
            if (!file.Contains(SingleFileKeyMap.SdxlOpenClipPrefix + "token_embedding.weight"))
                throw new CheckpointException(file.Path, $"SDXL checkpoint without text_encoder_2 ({SingleFileKeyMap.SdxlOpenClipPrefix}*)");
            return StableDiffusionKind.Sdxl;
        }
        if (file.Contains(SingleFileKeyMap.OpenClipPrefix + "token_embedding.weight")) return StableDiffusionKind.Sd2;
        if (ClipHasTextModelLevel(file) || file.Contains(SingleFileKeyMap.ClipPrefix + "embeddings.token_embedding.weight"))
            return StableDiffusionKind.Sd1;
        throw new CheckpointException(file.Path, "no text encoder weights (cond_stage_model.*): not a complete SD 1.x/2.x checkpoint");
    }

    static ClipTextConfig InferClip(SafetensorsFile file, ClipTextConfig template, string prefix = SingleFileKeyMap.ClipPrefix)
    {
        string p = prefix + (ClipHasTextModelLevel(file, prefix) ? "text_model." : "");
        var tokens = Shape(file, p + "embeddings.token_embedding.weight");
        int hidden = (int)tokens[1];
        return template with
        {
            VocabSize = (int)tokens[0],
            HiddenSize = hidden,
            ProjectionDim = hidden,
            MaxPositionEmbeddings = (int)Shape(file, p + "embeddings.position_embedding.weight")[0],
            NumHiddenLayers = Indices(file, p + "encoder.layers.").Count,
            IntermediateSize = (int)Shape(file, p + "encoder.layers.0.mlp.fc1.weight")[0],
            NumAttentionHeads = ClipHeads(file, hidden),
            HiddenAct = "quick_gelu",
        };
    }

    /// <summary>SD 2.x conditions on the penultimate OpenCLIP layer, so the model keeps all blocks but the last.</summary>
    /// <param name="keepLastLayer">SDXL keeps every block (its pooled output needs the last); SD 2.x drops the last.</param>
    static ClipTextConfig InferOpenClip(SafetensorsFile file, ClipTextConfig template, string p = SingleFileKeyMap.OpenClipPrefix,
        bool keepLastLayer = false)
    {
        var tokens = Shape(file, p + "token_embedding.weight");
        int hidden = (int)tokens[1], blocks = Indices(file, p + "transformer.resblocks.").Count;
        if (blocks < 2) throw new CheckpointException(file.Path, $"the OpenCLIP text encoder has {blocks} layer(s); it needs at least 2");
        return template with
        {
            VocabSize = (int)tokens[0],
            HiddenSize = hidden,
            ProjectionDim = file.Contains(p + "text_projection") ? (int)Shape(file, p + "text_projection")[^1] : template.ProjectionDim,
            MaxPositionEmbeddings = (int)Shape(file, p + "positional_embedding")[0],
            NumHiddenLayers = keepLastLayer ? blocks : blocks - 1,
            IntermediateSize = (int)Shape(file, p + "transformer.resblocks.0.mlp.c_fc.weight")[0],
            NumAttentionHeads = ClipHeads(file, hidden),
            HiddenAct = "gelu",
        };
    }

    static int ClipHeads(SafetensorsFile file, int hidden) =>
        hidden % 64 == 0 ? hidden / 64
        : hidden < 64 && hidden % 8 == 0 ? hidden / 8
        : throw new CheckpointException(file.Path, $"cannot infer the attention heads of a {hidden}-wide text encoder");

    /// <summary>One contracting level of the LDM U-Net as read from input_blocks.</summary>
    sealed record Level(int Channels, int Layers, bool Attention, int TransformerDepth);

    static UNet2DConditionConfig InferUNet(SafetensorsFile file, StableDiffusionKind kind, UNet2DConditionConfig template)
    {
        var convIn = Shape(file, U + "input_blocks.0.0.weight");
        var convOut = Shape(file, U + "out.2.weight");
        var levels = ReadLevels(file);
        if (!levels.Any(l => l.Attention))
            throw new CheckpointException(file.Path, "the U-Net has no attention layers: not a Stable Diffusion U-Net");
        string firstAttention = FirstAttentionBlock(file);
        var projIn = Shape(file, firstAttention + "proj_in.weight");
        int crossDim = (int)Shape(file, firstAttention + "transformer_blocks.0.attn2.to_k.weight")[1];
        int timeEmbed = (int)Shape(file, U + "time_embed.0.weight")[0];
        int[] channels = levels.Select(l => l.Channels).ToArray();
        int[] layers = levels.Select(l => l.Layers).ToArray();
        // Levels without attention have no depth; diffusers' configs say 1 there.
        int[] depths = levels.Select(l => l.Attention ? l.TransformerDepth : 1).ToArray();

        return template with
        {
            InChannels = (int)convIn[1],
            OutChannels = (int)convOut[0],
            ConvInKernel = (int)convIn[2],
            ConvOutKernel = (int)convOut[2],
            BlockOutChannels = channels,
            LayersPerBlock = SingleOrList(layers),
            TransformerLayersPerBlock = SingleOrList(depths),
            DownBlockTypes = levels.Select(l => l.Attention ? "CrossAttnDownBlock2D" : "DownBlock2D").ToArray(),
            UpBlockTypes = levels.Select(l => l.Attention ? "CrossAttnUpBlock2D" : "UpBlock2D").Reverse().ToArray(),
            CrossAttentionDim = crossDim,
            TimeEmbeddingDim = timeEmbed == channels[0] * 4 ? null : timeEmbed,
            UseLinearProjection = projIn.Length == 2,
            UpcastAttention = kind == StableDiffusionKind.Sd2,
            AttentionHeadDim = kind == StableDiffusionKind.Sd1 ? 8 : channels.Select(c => Heads64(file, c)).ToArray(),
            NumAttentionHeads = null,
        };
    }

    static string FirstAttentionBlock(SafetensorsFile file) =>
        Indices(file, U + "input_blocks.").Select(n => U + $"input_blocks.{n}.1.").FirstOrDefault(b => file.Contains(b + "proj_in.weight"))
        ?? throw new CheckpointException(file.Path, "the U-Net has no attention layers");

    static int Heads64(SafetensorsFile file, int channels) =>
        channels % 64 == 0 ? channels / 64 : throw new CheckpointException(file.Path, $"cannot infer attention heads for {channels} channels (SD 2.x and SDXL heads are 64 wide); give its configs (a diffusers folder, --model-config)");

    /// <summary>Walks input_blocks.1…: residual blocks (with or without attention) until a downsampler closes the level.</summary>
    static List<Level> ReadLevels(SafetensorsFile file)
    {
        var levels = new List<Level>();
        var resnets = new List<(int Channels, bool Attention, int Depth)>();
        foreach (int n in Indices(file, U + "input_blocks.").Where(n => n > 0))
        {
            string block = U + $"input_blocks.{n}.";
            if (file.Contains(block + "0.op.weight"))
            {
                levels.Add(CloseLevel(file, resnets, n));
                resnets.Clear();
                continue;
            }
            if (!file.Contains(block + "0.out_layers.3.weight"))
                throw new CheckpointException(file.Path, $"{block}* is neither a residual block nor a downsampler");
            bool attention = file.Contains(block + "1.proj_in.weight");
            resnets.Add(((int)Shape(file, block + "0.out_layers.3.weight")[0], attention,
                attention ? Indices(file, block + "1.transformer_blocks.").Count : 0));
        }
        levels.Add(CloseLevel(file, resnets, -1));
        return levels;
    }

    static Level CloseLevel(SafetensorsFile file, List<(int Channels, bool Attention, int Depth)> resnets, int at)
    {
        if (resnets.Count == 0 || resnets.Any(r => r != resnets[0]))
            throw new CheckpointException(file.Path, $"U-Net level ending at input_blocks.{at} has no residual blocks or mixes layouts");
        return new Level(resnets[0].Channels, resnets.Count, resnets[0].Attention, resnets[0].Depth);
    }

    static AutoencoderKLConfig InferVae(SafetensorsFile file, AutoencoderKLConfig template)
    {
        var levels = Indices(file, V + "encoder.down.");
        if (levels.Count == 0) throw new CheckpointException(file.Path, $"no autoencoder weights ({V}encoder.*)");
        int layers = Indices(file, V + "encoder.down.0.block.").Count;
        return template with
        {
            InChannels = (int)Shape(file, V + "encoder.conv_in.weight")[1],
            OutChannels = (int)Shape(file, V + "decoder.conv_out.weight")[0],
            LatentChannels = (int)Shape(file, V + "decoder.conv_in.weight")[1],
            BlockOutChannels = levels.Select(i => (int)Shape(file, V + $"encoder.down.{i}.block.0.conv2.weight")[0]).ToArray(),
            LayersPerBlock = layers,
            DownBlockTypes = Enumerable.Repeat("DownEncoderBlock2D", levels.Count).ToArray(),
            UpBlockTypes = Enumerable.Repeat("UpDecoderBlock2D", levels.Count).ToArray(),
        };
    }

    static PerBlock<int> SingleOrList(int[] values) => values.All(v => v == values[0]) ? values[0] : values;

    static long[] Shape(SafetensorsFile file, string key) =>
        file.Contains(key) ? file.Entry(key).Shape : throw new CheckpointException(file.Path, $"tensor '{key}' is missing");

    /// <summary>The distinct numbers n of keys "<paramref name="prefix"/>n.…", ascending.</summary>
    static List<int> Indices(SafetensorsFile file, string prefix) =>
        file.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0])
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1)
            .Where(n => n >= 0).Distinct().Order().ToList();
}
