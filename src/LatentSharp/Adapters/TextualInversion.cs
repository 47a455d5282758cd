using System.Text;
using LatentSharp.Text;
using static TorchSharp.torch;

namespace LatentSharp.Adapters;

/// <summary>
/// Textual-inversion embeddings installed as diffusers' load_textual_inversion installs them: an embedding of n
/// vectors adds the tokens <c>word</c>, <c>word_1</c> … <c>word_{n−1}</c> to the tokenizer (added tokens, matched
/// literally and case-sensitively before CLIP's clean-up and byte-pair encoding, ids from the text encoder's
/// vocabulary size on, in load order), the vectors become the text encoder's rows for those ids, and every
/// occurrence of <c>word</c> in a prompt is expanded to all n tokens (<see cref="ExpandPrompt"/>).
/// The base tokenizer and token embedding are never changed, so removing embeddings is exact.
/// </summary>
public sealed class TextualInversion
{
    readonly Dictionary<string, string> expansions;

    TextualInversion(IReadOnlyList<TextualInversionFile> embeddings, ClipTokenizer tokenizer, Tensor? rows,
        Dictionary<string, string> expansions, Dictionary<int, int> lengths)
    {
        Embeddings = embeddings;
        Tokenizer = tokenizer;
        Rows = rows;
        this.expansions = expansions;
        EmbeddingLengths = lengths;
    }

    /// <summary>Each embedding's first token id → its number of vectors (A1111 never splits one across prompt chunks).</summary>
    public IReadOnlyDictionary<int, int> EmbeddingLengths { get; }

    /// <summary>The embeddings, in load order.</summary>
    public IReadOnlyList<TextualInversionFile> Embeddings { get; }

    /// <summary>The base tokenizer with every embedding's tokens added.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>The text encoder's rows for the added ids, [tokens, D] (null without embeddings).</summary>
    public Tensor? Rows { get; }

    /// <summary>
    /// Builds the tokens and rows of <paramref name="embeddings"/> for a text encoder of <paramref name="hiddenSize"/>
    /// with <paramref name="vocabularyRows"/> token rows. Throws one line for an embedding of another width, or
    /// a word that is already a token.
    /// </summary>
    public static TextualInversion Create(IReadOnlyList<TextualInversionFile> embeddings, ClipTokenizer baseTokenizer,
        long hiddenSize, long vocabularyRows, string encoder = "text_encoder")
    {
        var tokens = new List<string>();
        var vectors = new List<Tensor>();
        var expansions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var embedding in embeddings)
        {
            if (!embedding.Vectors.TryGetValue(encoder, out var v) || v.shape[1] != hiddenSize)
                throw new LatentSharpException($"{embedding.Path}: an embedding of width {Width(embedding, encoder)} does not fit a text encoder of width {hiddenSize}");
            var names = TokenNames(embedding.Word, embedding.VectorCount);
            foreach (var name in names)
                if (tokens.Contains(name) || baseTokenizer.Config.AddedTokens.Values.Any(t => t.Content == name))
                    throw new LatentSharpException($"{embedding.Path}: the word '{name}' is already taken (another embedding or a special token)");
            tokens.AddRange(names);
            vectors.Add(v);
            if (names.Count > 1) expansions[embedding.Word] = string.Join(' ', names);
        }
        int firstId = (int)Math.Max(baseTokenizer.VocabSize, vocabularyRows);
        var lengths = new Dictionary<int, int>();
        int next = firstId;
        foreach (var embedding in embeddings)
        {
            lengths[next] = embedding.VectorCount;
            next += embedding.VectorCount;
        }
        if (tokens.Count == 0) return new TextualInversion(embeddings, baseTokenizer, null, expansions, lengths);
        var tokenizer = baseTokenizer.WithAddedTokens(tokens, firstId);
        var rows = cat(vectors, 0).DetachFromDisposeScope();
        return new TextualInversion(embeddings, tokenizer, rows, expansions, lengths);
    }

    /// <summary>An embedding's tokens: word, word_1, …, word_{n−1}.</summary>
    public static IReadOnlyList<string> TokenNames(string word, int vectors) =>
        Enumerable.Range(0, vectors).Select(i => i == 0 ? word : $"{word}_{i}").ToList();

    /// <summary>
    /// diffusers' maybe_convert_prompt: each multi-vector word that occurs in the prompt (as the tokenizer finds
    /// added tokens, leftmost-longest) is replaced everywhere by its n tokens, "word word_1 … word_{n−1}".
    /// </summary>
    public string ExpandPrompt(string prompt)
    {
        if (expansions.Count == 0) return prompt;
        var found = new ClipPreTokenizer(Tokenizer.Config.AddedTokens.Values.Select(t => t.Content)).Split(prompt)
            .Where(p => p.IsAddedToken && expansions.ContainsKey(p.Text)).Select(p => p.Text).Distinct().ToList();
        var text = new StringBuilder(prompt);
        foreach (var word in found) text.Replace(word, expansions[word]);
        return text.ToString();
    }

    /// <summary>The embeddings whose word occurs in <paramref name="prompt"/> (for the infotext's "TI hashes").</summary>
    public IEnumerable<TextualInversionFile> UsedIn(string prompt)
    {
        if (Embeddings.Count == 0) return [];
        var words = new ClipPreTokenizer(Embeddings.Select(e => e.Word)).Split(prompt).Where(p => p.IsAddedToken).Select(p => p.Text).ToHashSet();
        return Embeddings.Where(e => words.Contains(e.Word));
    }

    static string Width(TextualInversionFile e, string encoder) =>
        e.Vectors.TryGetValue(encoder, out var v) ? v.shape[1].ToString() : string.Join(" / ", e.Vectors.Values.Select(x => x.shape[1]));
}
