using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSharp.Checkpoints;

namespace LatentSharp.Text;

/// <summary>
/// What tokenizer_config.json and special_tokens_map.json say about a CLIP tokenizer: its special
/// tokens, the added tokens with their ids, and the model's maximum sequence length. Reading follows
/// transformers' precedence: special_tokens_map.json over tokenizer_config.json over CLIPTokenizer's
/// defaults (pad "&lt;|endoftext|&gt;", as SD 1.x).
/// </summary>
public sealed record ClipTokenizerConfig
{
    /// <summary>CLIP's text encoders have 77 positions; used when the config gives no usable length.</summary>
    public const int ClipMaxLength = 77;

    public string BosToken { get; init; } = "<|startoftext|>";
    public string EosToken { get; init; } = "<|endoftext|>";
    public string PadToken { get; init; } = "<|endoftext|>";
    public string UnkToken { get; init; } = "<|endoftext|>";
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];
    public int ModelMaxLength { get; init; } = ClipMaxLength;

    /// <summary>Whether decoding removes the space before punctuation (" ," → ","), transformers' default.</summary>
    public bool CleanUpTokenizationSpaces { get; init; } = true;

    /// <summary>The "added_tokens_decoder" entries: id → token.</summary>
    public IReadOnlyDictionary<int, AddedToken> AddedTokens { get; init; } = new Dictionary<int, AddedToken>();

    public IEnumerable<string> SpecialTokens =>
        new[] { BosToken, EosToken, UnkToken, PadToken }.Concat(AdditionalSpecialTokens).Distinct(StringComparer.Ordinal);

    public const string ConfigFile = "tokenizer_config.json";
    public const string SpecialTokensMapFile = "special_tokens_map.json";

    /// <summary>Reads the two files of a tokenizer folder; either may be missing.</summary>
    public static ClipTokenizerConfig Read(string dir)
    {
        var config = ReadFile(Path.Combine(dir, ConfigFile), new ClipTokenizerConfig(), withTokenTable: true);
        return ReadFile(Path.Combine(dir, SpecialTokensMapFile), config, withTokenTable: false);
    }

    public void Write(string dir)
    {
        var config = new JsonObject
        {
            ["added_tokens_decoder"] = new JsonObject(AddedTokens.OrderBy(kv => kv.Key)
                .Select(kv => KeyValuePair.Create(kv.Key.ToString(), (JsonNode?)TokenNode(kv.Value, withSpecial: true)))),
            ["bos_token"] = BosToken,
            ["clean_up_tokenization_spaces"] = CleanUpTokenizationSpaces,
            ["eos_token"] = EosToken,
            ["errors"] = "replace",
            ["model_max_length"] = ModelMaxLength,
            ["pad_token"] = PadToken,
            ["tokenizer_class"] = "CLIPTokenizer",
            ["unk_token"] = UnkToken,
        };
        var map = new JsonObject
        {
            ["bos_token"] = TokenNode(Describe(BosToken), withSpecial: false),
            ["eos_token"] = TokenNode(Describe(EosToken), withSpecial: false),
            ["pad_token"] = TokenNode(Describe(PadToken), withSpecial: false),
            ["unk_token"] = TokenNode(Describe(UnkToken), withSpecial: false),
        };
        if (AdditionalSpecialTokens.Count > 0)
        {
            config["additional_special_tokens"] = new JsonArray(AdditionalSpecialTokens.Select(t => (JsonNode?)t).ToArray());
            map["additional_special_tokens"] = new JsonArray(AdditionalSpecialTokens.Select(t => (JsonNode?)t).ToArray());
        }
        AtomicFile.WriteAllText(Path.Combine(dir, ConfigFile), PythonStyleJson.Serialize(config));
        AtomicFile.WriteAllText(Path.Combine(dir, SpecialTokensMapFile), PythonStyleJson.Serialize(map));
    }

    AddedToken Describe(string content) =>
        AddedTokens.Values.FirstOrDefault(t => t.Content == content) ?? new AddedToken(content);

    static JsonObject TokenNode(AddedToken t, bool withSpecial)
    {
        var node = new JsonObject
        {
            ["content"] = t.Content,
            ["lstrip"] = t.Lstrip,
            ["normalized"] = t.Normalized,
            ["rstrip"] = t.Rstrip,
            ["single_word"] = t.SingleWord,
        };
        if (withSpecial) node["special"] = t.Special;
        return node;
    }

    ClipTokenizerConfig Apply(JsonObject json, bool withTokenTable)
    {
        var config = this with
        {
            BosToken = TokenContent(json, "bos_token") ?? BosToken,
            EosToken = TokenContent(json, "eos_token") ?? EosToken,
            PadToken = TokenContent(json, "pad_token") ?? PadToken,
            UnkToken = TokenContent(json, "unk_token") ?? UnkToken,
            AdditionalSpecialTokens = json["additional_special_tokens"] is JsonArray extra
                ? extra.Select(ContentOf).OfType<string>().ToArray() : AdditionalSpecialTokens,
        };
        if (!withTokenTable) return config;
        return config with
        {
            ModelMaxLength = MaxLength(json["model_max_length"]) ?? ModelMaxLength,
            CleanUpTokenizationSpaces = json["clean_up_tokenization_spaces"]?.GetValue<bool>() ?? CleanUpTokenizationSpaces,
            AddedTokens = json["added_tokens_decoder"] is JsonObject table ? ReadTokenTable(table) : AddedTokens,
        };
    }

    static Dictionary<int, AddedToken> ReadTokenTable(JsonObject table) =>
        table.ToDictionary(kv => int.Parse(kv.Key), kv => ReadAddedToken(
            kv.Value as JsonObject ?? throw new FormatException($"added token {kv.Key} is not an object")));

    static AddedToken ReadAddedToken(JsonObject o) => new(
        o["content"]?.GetValue<string>() ?? throw new FormatException("an added token has no content"),
        Special: o["special"]?.GetValue<bool>() ?? true,
        Normalized: o["normalized"]?.GetValue<bool>() ?? true,
        Lstrip: o["lstrip"]?.GetValue<bool>() ?? false,
        Rstrip: o["rstrip"]?.GetValue<bool>() ?? false,
        SingleWord: o["single_word"]?.GetValue<bool>() ?? false);

    /// <summary>A special token is written either as its text or as an AddedToken object.</summary>
    static string? TokenContent(JsonObject json, string key) => ContentOf(json[key]);

    static string? ContentOf(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject o => o["content"]?.GetValue<string>(),
        _ => null,
    };

    /// <summary>Tokenizers without a limit store a huge number (int(1e30)); CLIP's 77 applies then.</summary>
    static int? MaxLength(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() is var d && d >= 2 && d <= 1 << 20
            ? (int)d : null;

    static ClipTokenizerConfig ReadFile(string path, ClipTokenizerConfig config, bool withTokenTable)
    {
        if (!File.Exists(path)) return config;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new CheckpointException(path, "expected a JSON object");
            return config.Apply(json, withTokenTable);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, "not a valid tokenizer config: " + e.Message);
        }
    }
}
