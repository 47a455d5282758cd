using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSharp.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>
/// CLIP's byte-level BPE tokenizer, giving the same ids as transformers' slow CLIPTokenizer without
/// ftfy — what diffusers runs for Stable Diffusion 1.x/2.x:
/// added tokens cut out of the raw text → BasicTokenizer clean-up and lower-casing → CLIP's word
/// pattern → UTF-8 bytes as byte-level characters → BPE merges with "&lt;/w&gt;" on the last symbol
/// → vocabulary ids (unknown → unk id), wrapped in BOS … EOS.
/// </summary>
/// <remarks>
/// Why not Microsoft.ML.Tokenizers 2.0.1 (measured on the 35 fixture prompts per model): built from its
/// own parts — LowerCaseNormalizer, CLIP's pattern as a RegexPreTokenizer, byte-level BPE with
/// EndOfWordSuffix "&lt;/w&gt;", the special tokens ("!" too for SD 2.x), BOS/EOS — it gets 29 of 35 right
/// for SD 1.x and for SD 2.x. It misses NFC, the removal of format characters (U+200B, soft hyphen),
/// the isolation of CJK ideographs, Python's "İ" → "i̇", and BOS/EOS on an empty prompt; a .NET regex
/// also sees astral letters as two surrogates. Its BPE model alone is right: fed the words of
/// <see cref="ClipPreTokenizer"/> through a pass-through pre-tokenizer it matches all 35. So every
/// CLIP-specific step would be ours anyway, and the package can neither write the files nor train a
/// vocabulary; the merge loop it would contribute is a few lines (<see cref="BpeMerges"/>). Hence no
/// dependency.
/// </remarks>
public sealed class ClipTokenizer
{
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    const string MergesHeader = "#version: 0.2";

    /// <summary>transformers reads at most this many merges: CLIP's 49152 entries less the 256 bytes
    /// and 2 special tokens. Real CLIP files have exactly this many.</summary>
    internal const int MaxMerges = 49152 - 256 - 2;

    /// <summary>Bounds the word cache of a long-running server fed arbitrary prompts.</summary>
    const int MaxCachedWords = 100_000;

    readonly Dictionary<string, int> vocab;
    readonly BpeMerges merges;
    readonly string?[] idToToken;
    readonly Dictionary<string, int> addedTokenIds;
    readonly HashSet<int> specialTokenIds;
    readonly ClipPreTokenizer preTokenizer;
    readonly ConcurrentDictionary<string, int[]> wordCache = new(StringComparer.Ordinal);

    public ClipTokenizer(IReadOnlyDictionary<string, int> vocab, IEnumerable<(string Left, string Right)> merges,
        ClipTokenizerConfig? config = null)
    {
        this.vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        this.merges = new BpeMerges(merges);
        Config = WithEveryAddedToken(config ?? new ClipTokenizerConfig(), this.vocab);
        addedTokenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, token) in Config.AddedTokens) addedTokenIds[token.Content] = id;
        specialTokenIds = Config.SpecialTokens.Select(t => addedTokenIds[t]).ToHashSet();
        idToToken = BuildIdToToken(this.vocab, Config.AddedTokens);
        preTokenizer = new ClipPreTokenizer(addedTokenIds.Keys);
        BosTokenId = addedTokenIds[Config.BosToken];
        EosTokenId = addedTokenIds[Config.EosToken];
        PadTokenId = addedTokenIds[Config.PadToken];
        UnkTokenId = addedTokenIds[Config.UnkToken];
    }

    /// <summary>Loads a model folder's tokenizer/ (vocab.json, merges.txt and, if present,
    /// tokenizer_config.json and special_tokens_map.json).</summary>
    public static ClipTokenizer FromFolder(string tokenizerDir)
    {
        if (!Directory.Exists(tokenizerDir)) throw new CheckpointException(tokenizerDir, "tokenizer folder not found");
        var vocab = ReadVocab(Path.Combine(tokenizerDir, VocabFile));
        var merges = ReadMerges(Path.Combine(tokenizerDir, MergesFile));
        return new ClipTokenizer(vocab, merges, ClipTokenizerConfig.Read(tokenizerDir));
    }

    /// <summary>
    /// The same tokenizer padding with <paramref name="padToken"/>, which becomes a special token as in transformers:
    /// <c>WithPadToken("!")</c> is SDXL's tokenizer_2 (OpenCLIP pads with id 0, "!").
    /// </summary>
    public ClipTokenizer WithPadToken(string padToken) => new(vocab, merges.Pairs, Config with { PadToken = padToken });

    /// <summary>
    /// This tokenizer with <paramref name="tokens"/> added (not special, matched literally), ids
    /// <paramref name="firstId"/>, <paramref name="firstId"/> + 1, …: what transformers' add_tokens does for
    /// textual-inversion words. This tokenizer is unchanged.
    /// </summary>
    public ClipTokenizer WithAddedTokens(IReadOnlyList<string> tokens, int firstId)
    {
        if (firstId < VocabSize) throw new ArgumentOutOfRangeException(nameof(firstId), firstId, $"ids below {VocabSize} are taken");
        var table = new Dictionary<int, AddedToken>(Config.AddedTokens);
        for (int i = 0; i < tokens.Count; i++) table[firstId + i] = new AddedToken(tokens[i], Special: false, Normalized: false);
        return new ClipTokenizer(vocab, merges.Pairs, Config with { AddedTokens = table });
    }

    /// <summary>Special tokens, added tokens with their ids, model length (as saved with the folder).</summary>
    public ClipTokenizerConfig Config { get; }

    public int BosTokenId { get; }
    public int EosTokenId { get; }
    public int PadTokenId { get; }
    public int UnkTokenId { get; }
    public int ModelMaxLength => Config.ModelMaxLength;

    /// <summary>Ids run from 0 to VocabSize − 1 (the rows a text encoder's token embedding needs).</summary>
    public int VocabSize => idToToken.Length;

    /// <summary>The merges in rank order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => merges.Pairs;

    /// <summary>The vocabulary: token → id (without added tokens that lie outside it).</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => vocab;

    /// <summary>BOS, the text's token ids, EOS; no padding, no truncation.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2) { BosTokenId };
        foreach (var piece in preTokenizer.Split(text))
        {
            if (piece.IsAddedToken) ids.Add(addedTokenIds[piece.Text]);
            else ids.AddRange(WordIds(piece.Text));
        }
        ids.Add(EosTokenId);
        return ids.ToArray();
    }

    /// <summary>
    /// Ids of exactly <paramref name="maxLength"/> (default <see cref="ModelMaxLength"/>) entries, as
    /// diffusers asks for them (padding="max_length", truncation=True): too long a prompt keeps BOS, its
    /// first maxLength − 2 tokens and EOS; a short one is padded with the pad id.
    /// </summary>
    public TokenizerOutput EncodeForModel(string text, int? maxLength = null)
    {
        int length = maxLength ?? ModelMaxLength;
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), length, "must leave room for BOS and EOS");
        int[] all = Encode(text);
        int[] truncated = all.Length > length ? all[(length - 1)..^1] : [];
        int kept = Math.Min(all.Length, length);
        var ids = new int[length];
        var mask = new int[length];
        all.AsSpan(0, kept).CopyTo(ids);
        if (truncated.Length > 0) ids[length - 1] = EosTokenId;
        ids.AsSpan(kept).Fill(PadTokenId);
        mask.AsSpan(0, kept).Fill(1);
        string truncatedText = truncated.Length > 0 ? Decode(truncated, skipSpecialTokens: false) : "";
        return new TokenizerOutput(ids, mask, truncated, truncatedText);
    }

    /// <summary>Padded/truncated ids of several prompts, row after row ([B × maxLength]).</summary>
    public long[] EncodeBatchIds(IReadOnlyList<string> texts, int? maxLength = null)
    {
        int length = maxLength ?? ModelMaxLength;
        var ids = new long[texts.Count * length];
        for (int b = 0; b < texts.Count; b++)
        {
            int[] row = EncodeForModel(texts[b], length).InputIds;
            for (int i = 0; i < length; i++) ids[b * length + i] = row[i];
        }
        return ids;
    }

    /// <summary>The text encoder's input_ids: int64 [B, maxLength].</summary>
    public Tensor EncodeBatch(IReadOnlyList<string> texts, int? maxLength = null)
    {
        int length = maxLength ?? ModelMaxLength;
        return torch.tensor(EncodeBatchIds(texts, length), [texts.Count, length], ScalarType.Int64);
    }

    /// <summary>
    /// Text of the ids, as transformers' decode: tokens joined, bytes to UTF-8, "&lt;/w&gt;" to spaces,
    /// trimmed, and (if the config says so) no space before . , ? ! and English contractions.
    /// Special tokens (BOS, EOS, unk, pad — for SD 2.x that includes "!") are left out unless asked for.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        var symbols = new StringBuilder();
        foreach (int id in ids)
            if (!(skipSpecialTokens && specialTokenIds.Contains(id))) symbols.Append(IdToToken(id));
        string text = ByteLevelAlphabet.Decode(symbols.ToString()).Replace(BpeMerges.EndOfWord, " ").Trim();
        return Config.CleanUpTokenizationSpaces ? CleanUpSpaces(text) : text;
    }

    public string IdToToken(int id) =>
        id >= 0 && id < idToToken.Length && idToToken[id] is { } token
            ? token : throw new ArgumentOutOfRangeException(nameof(id), id, "not a token id of this tokenizer");

    /// <summary>
    /// Writes vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json in the format
    /// transformers' save_pretrained uses, so CLIPTokenizer.from_pretrained(dir) loads the folder.
    /// </summary>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        var vocabJson = new JsonObject(vocab.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        AtomicFile.WriteAllText(Path.Combine(dir, VocabFile), PythonStyleJson.Serialize(vocabJson));
        var lines = new StringBuilder(MergesHeader).Append('\n');
        foreach (var (left, right) in merges.Pairs) lines.Append(left).Append(' ').Append(right).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(dir, MergesFile), lines.ToString());
        Config.Write(dir);
    }

    int[] WordIds(string word)
    {
        if (wordCache.TryGetValue(word, out var cached)) return cached;
        // CLIP's pattern keeps these spellings as one word and its BPE returns them untouched, so a
        // special token typed in other letter case ("<|ENDOFTEXT|>", lower-cased) still gets its id.
        int[] ids = word is "<|startoftext|>" or "<|endoftext|>"
            ? [TokenId(word)]
            : merges.Apply(ByteLevelAlphabet.Encode(word)).Select(TokenId).ToArray();
        if (wordCache.Count >= MaxCachedWords) wordCache.Clear();
        wordCache[word] = ids;
        return ids;
    }

    int TokenId(string token) =>
        addedTokenIds.TryGetValue(token, out int id) || vocab.TryGetValue(token, out id) ? id : UnkTokenId;

    /// <summary>
    /// transformers registers every special token as an added token; one missing from
    /// added_tokens_decoder takes its vocabulary id, or the next free id if the vocabulary lacks it.
    /// </summary>
    static ClipTokenizerConfig WithEveryAddedToken(ClipTokenizerConfig config, Dictionary<string, int> vocab)
    {
        var table = new Dictionary<int, AddedToken>(config.AddedTokens);
        int nextId = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, table.Count == 0 ? 0 : table.Keys.Max() + 1);
        foreach (string token in config.SpecialTokens)
        {
            if (table.Values.Any(t => t.Content == token)) continue;
            int id = vocab.TryGetValue(token, out int v) ? v : nextId++;
            table[id] = new AddedToken(token, Special: true, Normalized: false);
        }
        return config with { AddedTokens = table };
    }

    static string?[] BuildIdToToken(Dictionary<string, int> vocab, IReadOnlyDictionary<int, AddedToken> added)
    {
        int size = Math.Max(vocab.Values.DefaultIfEmpty(-1).Max(), added.Keys.DefaultIfEmpty(-1).Max()) + 1;
        var tokens = new string?[size];
        foreach (var (token, id) in vocab) tokens[id] = token;
        foreach (var (id, token) in added) tokens[id] = token.Content;
        return tokens;
    }

    /// <summary>Removes the space the word-per-token decoding leaves before punctuation and contractions.</summary>
    static string CleanUpSpaces(string text)
    {
        foreach (var (spaced, joined) in SpacedPunctuation) text = text.Replace(spaced, joined);
        return text;
    }

    static readonly (string, string)[] SpacedPunctuation =
    [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
        (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ];

    static Dictionary<string, int> ReadVocab(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "missing (the tokenizer needs vocab.json and merges.txt)");
        Dictionary<string, int>? vocab;
        try
        {
            using var stream = File.OpenRead(path);
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(stream);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, "not a JSON object of token → id: " + e.Message);
        }
        if (vocab is null || vocab.Count == 0) throw new CheckpointException(path, "empty vocabulary");
        if (vocab.Values.Any(id => id < 0 || id > 10_000_000)) throw new CheckpointException(path, "token id out of range");
        return vocab;
    }

    /// <summary>
    /// As transformers reads merges.txt: the first line is skipped whatever it holds (normally
    /// "#version: 0.2"), at most <see cref="MaxMerges"/> merges are taken, each line is two
    /// whitespace-separated symbols.
    /// </summary>
    static List<(string, string)> ReadMerges(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "missing (the tokenizer needs vocab.json and merges.txt)");
        var merges = new List<(string, string)>();
        foreach (string line in File.ReadAllText(path).Trim().Split('\n').Skip(1).Take(MaxMerges))
        {
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2) merges.Add((parts[0], parts[1]));
        }
        return merges;
    }
}
