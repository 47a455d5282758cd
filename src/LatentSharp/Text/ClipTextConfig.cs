using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.Text;

/// <summary>
/// The CLIP text transformer's hyper-parameters, field for field as transformers' CLIPTextConfig writes
/// config.json (defaults are transformers' defaults). Fields we do not use are kept in <see cref="Extra"/>.
/// </summary>
public sealed record ClipTextConfig
{
    public string[]? Architectures { get; init; } = ["CLIPTextModel"];
    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int ProjectionDim { get; init; } = 512;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 8;
    public int MaxPositionEmbeddings { get; init; } = 77;

    /// <summary><c>quick_gelu</c> (OpenAI CLIP, SD 1.x) or <c>gelu</c> (OpenCLIP, SD 2.x).</summary>
    public string HiddenAct { get; init; } = "quick_gelu";

    public double LayerNormEps { get; init; } = 1e-5;
    public double AttentionDropout { get; init; }
    public double InitializerRange { get; init; } = 0.02;
    public double InitializerFactor { get; init; } = 1.0;
    public int PadTokenId { get; init; } = 1;
    public int BosTokenId { get; init; } = 49406;

    /// <summary>2 in the original CLIP configs: then the pooled token is the one with the highest id (legacy rule).</summary>
    public int EosTokenId { get; init; } = 49407;

    public string ModelType { get; init; } = "clip_text_model";
    public string? TorchDtype { get; init; }
    public string? TransformersVersion { get; init; }

    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Throws a one-line <see cref="LatentSharpException"/> if the model cannot be built from this config.</summary>
    public ClipTextConfig Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new LatentSharpException($"CLIP text config: {what}");
        }
        Require(VocabSize > 0 && HiddenSize > 0 && IntermediateSize > 0 && NumHiddenLayers > 0 && MaxPositionEmbeddings > 0,
            "vocab_size, hidden_size, intermediate_size, num_hidden_layers and max_position_embeddings must be positive");
        Require(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0,
            $"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        Require(HiddenAct is "quick_gelu" or "gelu", $"hidden_act '{HiddenAct}' is not supported (quick_gelu or gelu)");
        return this;
    }
}
