using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Performance;

/// <summary>
/// Forward-pass multiply-accumulates of each network, walked from its config the way the modules are built
/// (so any model folder gets a count, not only SD 1.5). Batch 1; multiply for larger batches.
/// SD 1.5's U-Net at a 64×64 latent: 222 G conv, 117 G linear, 63 G attention MACs ≈ 0.80 TFLOP.
/// </summary>
public static class ModelFlops
{
    /// <param name="height">Latent height.</param>
    /// <param name="contextTokens">Text tokens the cross-attention attends to (77 for CLIP).</param>
    public static FlopCount UNet(UNet2DConditionConfig config, long height, long width, long contextTokens = 77)
    {
        int[] channels = config.BlockOutChannels, heads = config.HeadsPerBlock(), layers = config.LayersPerBlockList();
        int[] crossDims = config.CrossAttentionDimPerBlock(), transformerLayers = config.TransformerLayersPerBlockList();
        int blocks = config.Blocks, temb = config.TimeEmbedDim;
        var sizes = new List<(long H, long W)> { (height, width) };
        for (int i = 1; i < blocks; i++) sizes.Add(((sizes[^1].H + 1) / 2, (sizes[^1].W + 1) / 2));

        FlopCount Transformer(int level, long c)
        {
            var (h, w) = sizes[level];
            long tokens = h * w, cross = crossDims[level];
            var projection = config.UseLinearProjection ? FlopCount.Linear(c, c, tokens) : FlopCount.Conv(c, c, 1, h, w);
            var block =
                4 * FlopCount.Linear(c, c, tokens) + FlopCount.Attention(tokens, tokens, c)          // self-attention
                + 2 * FlopCount.Linear(c, c, tokens) + 2 * FlopCount.Linear(cross, c, contextTokens)  // cross-attention
                + FlopCount.Attention(tokens, contextTokens, c)
                + FlopCount.Linear(c, 8 * c, tokens) + FlopCount.Linear(4 * c, c, tokens);              // GEGLU feed-forward
            return 2 * projection + transformerLayers[level] * block;
        }
        FlopCount Resnet(int level, long cin, long cout) => ResnetBlock(cin, cout, sizes[level].H, sizes[level].W) + FlopCount.Linear(temb, cout, 1);

        var total = FlopCount.Conv(config.InChannels, channels[0], config.ConvInKernel, height, width)
            + FlopCount.Linear(channels[0], temb, 1) + FlopCount.Linear(temb, temb, 1);
        if (config.HasTextTimeEmbedding)   // SDXL's add_embedding: pooled text + time-id features → the time embedding's width
            total += FlopCount.Linear(config.ProjectionClassEmbeddingsInputDim!.Value, temb, 1) + FlopCount.Linear(temb, temb, 1);
        for (int i = 0; i < blocks; i++)
        {
            bool attention = config.DownBlockTypes[i] == "CrossAttnDownBlock2D";
            for (int j = 0; j < layers[i]; j++)
            {
                total += Resnet(i, j == 0 ? channels[Math.Max(i - 1, 0)] : channels[i], channels[i]);
                if (attention) total += Transformer(i, channels[i]);
            }
            if (i < blocks - 1) total += FlopCount.Conv(channels[i], channels[i], 3, sizes[i + 1].H, sizes[i + 1].W);
        }
        total += 2 * Resnet(blocks - 1, channels[^1], channels[^1]) + Transformer(blocks - 1, channels[^1]);
        for (int i = 0; i < blocks; i++)
        {
            int level = blocks - 1 - i, n = layers[level] + 1;
            long prev = channels[Math.Min(level + 1, blocks - 1)], skipIn = channels[Math.Max(level - 1, 0)];
            for (int j = 0; j < n; j++)
            {
                total += Resnet(level, UpBlockChannels.ResnetInput(j, n, skipIn, prev, channels[level]), channels[level]);
                if (config.UpBlockTypes[i] == "CrossAttnUpBlock2D") total += Transformer(level, channels[level]);
            }
            if (i < blocks - 1) total += FlopCount.Conv(channels[level], channels[level], 3, sizes[level - 1].H, sizes[level - 1].W);
        }
        return total + FlopCount.Conv(channels[0], config.OutChannels, config.ConvOutKernel, height, width);
    }

    /// <summary>The VAE decoder (with post_quant_conv) from a <paramref name="height"/>×<paramref name="width"/> latent.</summary>
    public static FlopCount VaeDecoder(AutoencoderKLConfig config, long height, long width)
    {
        int[] reversed = config.BlockOutChannels.Reverse().ToArray();
        int n = config.LayersPerBlock + 1;
        long h = height, w = width;
        var total = FlopCount.Conv(config.LatentChannels, config.LatentChannels, 1, h, w)
            + FlopCount.Conv(config.LatentChannels, reversed[0], 3, h, w) + VaeMidBlock(reversed[0], h, w);
        for (int i = 0; i < reversed.Length; i++)
        {
            for (int j = 0; j < n; j++) total += ResnetBlock(j == 0 && i > 0 ? reversed[i - 1] : reversed[i], reversed[i], h, w);
            if (i < reversed.Length - 1)
            {
                (h, w) = (2 * h, 2 * w);
                total += FlopCount.Conv(reversed[i], reversed[i], 3, h, w);
            }
        }
        return total + FlopCount.Conv(reversed[^1], config.OutChannels, 3, h, w);
    }

    /// <summary>The VAE encoder (with quant_conv) of a <paramref name="height"/>×<paramref name="width"/> image.</summary>
    public static FlopCount VaeEncoder(AutoencoderKLConfig config, long height, long width)
    {
        int[] channels = config.BlockOutChannels;
        long h = height, w = width;
        var total = FlopCount.Conv(config.InChannels, channels[0], 3, h, w);
        for (int i = 0; i < channels.Length; i++)
        {
            for (int j = 0; j < config.LayersPerBlock; j++) total += ResnetBlock(j == 0 && i > 0 ? channels[i - 1] : channels[i], channels[i], h, w);
            if (i < channels.Length - 1)
            {
                (h, w) = (h / 2, w / 2);   // padded right/bottom by one, then stride 2: floor(H/2)
                total += FlopCount.Conv(channels[i], channels[i], 3, h, w);
            }
        }
        long latent2 = 2 * config.LatentChannels;
        return total + VaeMidBlock(channels[^1], h, w) + FlopCount.Conv(channels[^1], latent2, 3, h, w) + FlopCount.Conv(latent2, latent2, 1, h, w);
    }

    /// <summary>The CLIP text encoder over <paramref name="tokens"/> tokens (77 in Stable Diffusion).</summary>
    public static FlopCount TextEncoder(ClipTextConfig config, long tokens = 77)
    {
        long d = config.HiddenSize;
        var layer = 4 * FlopCount.Linear(d, d, tokens) + FlopCount.Attention(tokens, tokens, d)
            + FlopCount.Linear(d, config.IntermediateSize, tokens) + FlopCount.Linear(config.IntermediateSize, d, tokens);
        return config.NumHiddenLayers * layer;
    }

    static FlopCount ResnetBlock(long cin, long cout, long h, long w) =>
        FlopCount.Conv(cin, cout, 3, h, w) + FlopCount.Conv(cout, cout, 3, h, w) + (cin != cout ? FlopCount.Conv(cin, cout, 1, h, w) : default);

    static FlopCount VaeMidBlock(long c, long h, long w) =>
        2 * ResnetBlock(c, c, h, w) + 4 * FlopCount.Linear(c, c, h * w) + FlopCount.Attention(h * w, h * w, c);
}
