using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.Autoencoder;

/// <summary>
/// The KL autoencoder's hyper-parameters, field for field as diffusers' AutoencoderKL writes config.json
/// (defaults are diffusers' defaults). Fields we do not model are kept in <see cref="Extra"/>.
/// </summary>
public sealed record AutoencoderKLConfig
{
    [JsonPropertyName("_class_name")] public string ClassName { get; init; } = "AutoencoderKL";
    [JsonPropertyName("_diffusers_version")] public string? DiffusersVersion { get; init; } = "0.27.2";
    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    public string[] DownBlockTypes { get; init; } = ["DownEncoderBlock2D"];
    public string[] UpBlockTypes { get; init; } = ["UpDecoderBlock2D"];
    public int[] BlockOutChannels { get; init; } = [64];
    public int LayersPerBlock { get; init; } = 1;
    public string ActFn { get; init; } = "silu";
    public int LatentChannels { get; init; } = 4;
    public int NormNumGroups { get; init; } = 32;

    /// <summary>Image side the autoencoder was trained at (informational).</summary>
    public int? SampleSize { get; init; } = 32;

    /// <summary>Latents are multiplied by this after encoding and divided by it before decoding (0.18215 for SD 1.x/2.x).</summary>
    public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Run the VAE in float32 even when the rest of the pipeline is half precision.</summary>
    public bool ForceUpcast { get; init; } = true;

    public double[]? LatentsMean { get; init; }
    public double[]? LatentsStd { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>How many times the encoder halves the resolution (8× for Stable Diffusion's 4 levels).</summary>
    public int DownscaleFactor => 1 << (BlockOutChannels.Length - 1);

    /// <summary>Throws a one-line <see cref="LatentSharpException"/> naming the first setting this autoencoder cannot build.</summary>
    public AutoencoderKLConfig Validate()
    {
        int levels = BlockOutChannels.Length;
        Require(levels > 0 && BlockOutChannels.All(c => c > 0 && c % NormNumGroups == 0),
            $"block_out_channels must be positive multiples of norm_num_groups {NormNumGroups}");
        Require(DownBlockTypes.Length == levels && DownBlockTypes.All(t => t == "DownEncoderBlock2D"),
            $"down_block_types must be {levels} × DownEncoderBlock2D");
        Require(UpBlockTypes.Length == levels && UpBlockTypes.All(t => t == "UpDecoderBlock2D"),
            $"up_block_types must be {levels} × UpDecoderBlock2D");
        Require(ActFn is "silu" or "swish", $"act_fn '{ActFn}' is not supported (silu)");
        Require(LayersPerBlock > 0 && LatentChannels > 0 && InChannels > 0 && OutChannels > 0,
            "layers_per_block, latent_channels, in_channels and out_channels must be positive");
        // Per-channel latent statistics (Playground v2.5-style VAEs) change how latents are scaled; not implemented.
        Require(LatentsMean is null && LatentsStd is null, "latents_mean / latents_std are not supported (only scaling_factor)");
        return this;
    }

    static void Require(bool ok, string what)
    {
        if (!ok) throw new LatentSharpException($"VAE config: {what}");
    }
}
