using LatentSharp.Blocks;
using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>
/// The noise-prediction U-Net of Stable Diffusion (diffusers' UNet2DConditionModel), built from its config.
/// Submodule names equal the diffusers checkpoint keys (<c>down_blocks.0.attentions.0.proj_in.weight</c> ...).
/// </summary>
public sealed class UNet2DConditionModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly Conv2d conv_in;
    readonly Timesteps time_proj;
    readonly TimestepEmbedding time_embedding;
    readonly Timesteps? add_time_proj;
    readonly TimestepEmbedding? add_embedding;
    readonly ModuleList<UNetDownBlock> down_blocks;
    readonly UNetMidBlock2DCrossAttn mid_block;
    readonly ModuleList<UNetUpBlock> up_blocks;
    readonly GroupNorm32 conv_norm_out;
    readonly Conv2d conv_out;

    /// <param name="device">Where to build the parameters; the meta device builds shapes only (see ParameterStorage).</param>
    public UNet2DConditionModel(UNet2DConditionConfig config, Device? device = null) : base(nameof(UNet2DConditionModel))
    {
        Config = config.Validate();
        int[] channels = config.BlockOutChannels, heads = config.HeadsPerBlock(), layers = config.LayersPerBlockList();
        int[] crossDims = config.CrossAttentionDimPerBlock(), transformerLayers = config.TransformerLayersPerBlockList();
        bool[] onlyCross = config.OnlyCrossAttentionPerBlock();
        int blocks = config.Blocks, groups = config.NormNumGroups!.Value;
        var resnet = new ResnetSettings(config.TimeEmbedDim, groups, config.NormEps);
        CrossAttentionSettings Attention(int i) => new(heads[i], crossDims[i], transformerLayers[i], onlyCross[i],
            config.UseLinearProjection, config.UpcastAttention == true, groups);

        conv_in = nn.Conv2d(config.InChannels, channels[0], config.ConvInKernel, padding: config.ConvInKernel / 2, device: device);
        time_proj = new Timesteps(channels[0], config.FlipSinToCos, config.FreqShift);
        time_embedding = new TimestepEmbedding(channels[0], config.TimeEmbedDim, device);
        if (config.HasTextTimeEmbedding)
        {
            add_time_proj = new Timesteps(config.AdditionTimeEmbedDim!.Value, config.FlipSinToCos, config.FreqShift);
            add_embedding = new TimestepEmbedding(config.ProjectionClassEmbeddingsInputDim!.Value, config.TimeEmbedDim, device);
        }

        down_blocks = nn.ModuleList(Enumerable.Range(0, blocks).Select(i =>
        {
            long inChannels = i == 0 ? channels[0] : channels[i - 1];
            bool downsample = i < blocks - 1;
            return config.DownBlockTypes[i] == "CrossAttnDownBlock2D"
                ? (UNetDownBlock)new CrossAttnDownBlock2D(inChannels, channels[i], layers[i], resnet, Attention(i), downsample, config.DownsamplePadding, device)
                : new DownBlock2D(inChannels, channels[i], layers[i], resnet, downsample, config.DownsamplePadding, device);
        }).ToArray());

        var midResnet = resnet with { OutputScaleFactor = config.MidBlockScaleFactor };
        var midAttention = Attention(blocks - 1) with { OnlyCrossAttention = false };
        mid_block = new UNetMidBlock2DCrossAttn(channels[^1], midResnet, midAttention, device: device);

        up_blocks = nn.ModuleList(Enumerable.Range(0, blocks).Select(i =>
        {
            int level = blocks - 1 - i;                       // the down level this up block mirrors
            long prevOutput = channels[Math.Min(level + 1, blocks - 1)];
            long inChannels = channels[Math.Max(level - 1, 0)];
            bool upsample = i < blocks - 1;
            return config.UpBlockTypes[i] == "CrossAttnUpBlock2D"
                ? (UNetUpBlock)new CrossAttnUpBlock2D(inChannels, prevOutput, channels[level], layers[level] + 1, resnet, Attention(level), upsample, device)
                : new UpBlock2D(inChannels, prevOutput, channels[level], layers[level] + 1, resnet, upsample, device);
        }).ToArray());

        conv_norm_out = new GroupNorm32(groups, channels[0], config.NormEps, device);
        conv_out = nn.Conv2d(channels[0], config.OutChannels, config.ConvOutKernel, padding: config.ConvOutKernel / 2, device: device);
        RegisterComponents();
    }

    public UNet2DConditionConfig Config { get; }

    /// <summary>
    /// How activations are laid out in memory during inference on the CPU. Setting it to channels-last also stores the
    /// k×k convolutions' weights channels-last (the same parameters, restrided; the values are unchanged). The output is
    /// channels-first either way. For inference only: with autograd on the input stays channels-first, but LibTorch
    /// lets channels-last weights pull a convolution's output to channels-last, so set it back before training.
    /// Default channels-first, which training needs; pipelines loaded for inference choose channels-last, which saves
    /// oneDNN's activation reorders (bf16 ≈ 4% faster in interleaved in-process rounds, fp32 even) at the same peak
    /// memory since the restrided weights' old copies are freed at once (docs/performance.md, "What each optimisation
    /// bought", channels-last).
    /// </summary>
    public ActivationLayout Layout
    {
        get => layout;
        set
        {
            if (value == layout) return;
            MemoryLayout.StoreConvolutionWeights(this, value == ActivationLayout.ChannelsLast);
            layout = value;
        }
    }
    ActivationLayout layout = ActivationLayout.ChannelsFirst;

    /// <summary>Predicts the noise (or v) in <paramref name="sample"/> at <paramref name="timestep"/> given the text conditioning.</summary>
    /// <param name="sample">[B, in_channels, h, w] noisy latents; h and w need not be multiples of the downsampling.</param>
    /// <param name="timestep">int64 or floating: [B], [1] or a 0-d tensor (broadcast to the batch).</param>
    /// <param name="encoderHiddenStates">[B, T, cross_attention_dim] text encoder output.</param>
    public override Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) =>
        Run(sample, timestep, encoderHiddenStates, null, null, null);

    /// <param name="intermediates">If given, receives each block's output under its diffusers module name
    /// (time_proj, time_embedding, conv_in, down_blocks.i, mid_block, up_blocks.i, conv_norm_out, conv_out).</param>
    public Tensor Forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, IDictionary<string, Tensor>? intermediates) =>
        Run(sample, timestep, encoderHiddenStates, null, null, intermediates);

    /// <summary>The forward pass with everything the model family conditions on (SDXL: pooled text and time ids too).</summary>
    /// <param name="intermediates">As the other overload, plus add_time_proj, add_embedding and emb (time + added embedding) for SDXL.</param>
    public Tensor Forward(Tensor sample, Tensor timestep, UNetConditioning conditioning, IDictionary<string, Tensor>? intermediates = null) =>
        Run(sample, timestep, conditioning.EncoderHiddenStates, conditioning.TextEmbeds, conditioning.TimeIds, intermediates);

    Tensor Run(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Tensor? textEmbeds, Tensor? timeIds,
        IDictionary<string, Tensor>? intermediates)
    {
        using var scope = NewDisposeScope();
        long batch = sample.shape[0];
        if (Config.CenterInputSample) sample = sample * 2.0 - 1.0;

        var timeFeatures = time_proj.forward(BatchTimesteps(timestep, batch)).to_type(sample.dtype);
        Intermediates.Capture(intermediates, "time_proj", timeFeatures);
        var temb = time_embedding.forward(timeFeatures);
        Intermediates.Capture(intermediates, "time_embedding", temb);
        if (add_embedding != null)
        {
            temb = temb + AddedEmbedding(textEmbeds, timeIds, batch, temb.dtype, intermediates);
            Intermediates.Capture(intermediates, "emb", temb);
        }

        if (RunsChannelsLast(sample)) sample = MemoryLayout.ToChannelsLast(sample);
        var h = conv_in.ForwardAligned(sample);
        Intermediates.Capture(intermediates, "conv_in", h);
        var skips = new List<Tensor> { h };
        for (int i = 0; i < down_blocks.Count; i++)
        {
            (h, var blockSkips) = down_blocks[i].Forward(h, temb, encoderHiddenStates);
            skips.AddRange(blockSkips);
            Intermediates.Capture(intermediates, $"down_blocks.{i}", h);
        }

        h = mid_block.forward(h, temb, encoderHiddenStates);   // the previous h is a skip connection: kept
        Intermediates.Capture(intermediates, "mid_block", h);

        bool oddSize = !DividesEvenly(sample);
        for (int i = 0; i < up_blocks.Count; i++)
        {
            var block = up_blocks[i];
            var blockSkips = skips.GetRange(skips.Count - block.Layers, block.Layers);
            skips.RemoveRange(skips.Count - block.Layers, block.Layers);
            // Upsample to the next skip's size rather than doubling when a downsampler rounded a side up.
            long[]? upsampleSize = oddSize && i < up_blocks.Count - 1 ? skips[^1].shape[2..] : null;
            h = h.Then(x => block.Forward(x, blockSkips, temb, encoderHiddenStates, upsampleSize));
            foreach (var used in blockSkips) used.Dispose();
            Intermediates.Capture(intermediates, $"up_blocks.{i}", h);
        }

        h = h.Then(conv_norm_out.forward);
        Intermediates.Capture(intermediates, "conv_norm_out", h);
        h = h.Then(x => conv_out.ForwardAligned(nn.functional.silu(x)));
        if (MemoryLayout.IsChannelsLast(h)) h = h.Then(x => x.contiguous());
        Intermediates.Capture(intermediates, "conv_out", h);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Channels-last lets oneDNN's convolutions read and write the activations as they are, where channels-first ones are
    /// reordered into its blocked layout and back around every convolution (195 such reorders per SD 1.5 pass), and the
    /// transformers' tokens are views of the image instead of copies. Inference only: oneDNN's backward passes were not
    /// checked in this layout (see BlockAlignedConv for the shapes where they were wrong).
    /// </summary>
    bool RunsChannelsLast(Tensor sample) =>
        Layout == ActivationLayout.ChannelsLast && sample.device_type == DeviceType.CPU && !is_grad_enabled();

    /// <summary>True when both latent sides are multiples of 2^(number of upsamplers).</summary>
    bool DividesEvenly(Tensor sample)
    {
        long factor = 1L << (up_blocks.Count - 1);
        return sample.shape[^2] % factor == 0 && sample.shape[^1] % factor == 0;
    }

    /// <summary>
    /// SDXL's text_time embedding: sinusoidal features of each time id (flattened, then one row of 6·d per
    /// sample), appended to the pooled text embedding, through add_embedding (linear, SiLU, linear).
    /// </summary>
    Tensor AddedEmbedding(Tensor? textEmbeds, Tensor? timeIds, long batch, ScalarType dtype, IDictionary<string, Tensor>? intermediates)
    {
        if (textEmbeds is null || timeIds is null)
            throw new LatentSharpException($"UNet: addition_embed_type {UNet2DConditionConfig.TextTimeEmbedding} needs text_embeds and time_ids");
        if (textEmbeds.dim() != 2 || textEmbeds.shape[0] != batch || timeIds.dim() != 2 || timeIds.shape[0] != batch)
            throw new LatentSharpException($"UNet: text_embeds [{string.Join(", ", textEmbeds.shape)}] and time_ids " +
                $"[{string.Join(", ", timeIds.shape)}] must have one row per sample ({batch})");
        var timeFeatures = add_time_proj!.forward(timeIds.flatten());
        Intermediates.Capture(intermediates, "add_time_proj", timeFeatures);
        var addEmbeds = cat([textEmbeds.to_type(dtype), timeFeatures.reshape(batch, -1).to_type(dtype)], -1);
        long expected = Config.ProjectionClassEmbeddingsInputDim!.Value;
        if (addEmbeds.shape[1] != expected)
            throw new LatentSharpException($"UNet: text_embeds ({textEmbeds.shape[1]}) and time_ids ({timeIds.shape[1]} × " +
                $"{Config.AdditionTimeEmbedDim}) give {addEmbeds.shape[1]} features; projection_class_embeddings_input_dim is {expected}");
        var aug = add_embedding!.forward(addEmbeds);
        Intermediates.Capture(intermediates, "add_embedding", aug);
        return aug;
    }

    static Tensor BatchTimesteps(Tensor timestep, long batch)
    {
        var t = timestep.dim() == 0 ? timestep.unsqueeze(0) : timestep;
        if (t.dim() != 1 || (t.shape[0] != 1 && t.shape[0] != batch))
            throw new LatentSharpException($"UNet: timestep must be a scalar, [1] or [{batch}] (got [{string.Join(", ", timestep.shape)}])");
        return t.expand(batch);
    }
}
