using LatentSharp.Checkpoints;
using LatentSharp.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// A new prompt word learned together with a LoRA ("pivotal tuning", as diffusers' advanced LoRA scripts call it):
/// the word becomes one added token whose input vector is trained, so the text encoder sees a word of its own where
/// the base tokenizer had only pieces it was never trained on (the shapes tokenizer splits "pink" into p, i, n, k).
/// Saved as an ordinary textual-inversion embedding (A1111's <c>emb_params</c>), loaded with <c>--embedding</c>.
/// </summary>
public sealed class WordEmbedding : nn.Module
{
    /// <summary>The word's vector, [1, D]; named as A1111 names an embedding's tensor.</summary>
    readonly Parameter emb_params;

    public WordEmbedding(Tensor initial) : base(nameof(WordEmbedding))
    {
        emb_params = new Parameter(initial.detach().clone().reshape(1, -1));
        RegisterComponents();
    }

    public Parameter Vectors => emb_params;

    /// <summary>
    /// The starting vector: the mean of the base token rows <paramref name="initWord"/> tokenizes to (a word close in
    /// meaning, e.g. "red" for "pink", as textual inversion starts from an initializer token).
    /// </summary>
    public static Tensor InitialVector(ClipTextModel textEncoder, ClipTokenizer tokenizer, string initWord)
    {
        var ids = tokenizer.Encode(initWord).Where(id => id != tokenizer.BosTokenId && id != tokenizer.EosTokenId && id != tokenizer.PadTokenId).ToArray();
        if (ids.Length == 0) throw new LatentSharpException($"--new-word-init: '{initWord}' has no tokens");
        var table = textEncoder.named_parameters().Single(p => p.name == "text_model.embeddings.token_embedding.weight").parameter;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var index = tensor(ids.Select(i => (long)i).ToArray());
        return table.index_select(0, index).mean([0]).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>The tokenizer with <paramref name="word"/> added after the text encoder's rows (as an embedding file adds it).</summary>
    public static ClipTokenizer AddWord(ClipTokenizer tokenizer, ClipTextModel textEncoder, string word) =>
        tokenizer.WithAddedTokens([word], (int)Math.Max(tokenizer.VocabSize, textEncoder.VocabularyRows));

    /// <summary>Writes <paramref name="vectors"/> as an A1111 embedding (<c>emb_params</c> [1, D]) named after the word.</summary>
    public static void Export(string path, Tensor vectors, string word, long step, ScalarType? dtype = null)
    {
        using var data = vectors.detach().to_type(dtype ?? ScalarType.Float32).contiguous();
        SafetensorsWriter.Write(path, [new KeyValuePair<string, Tensor>("emb_params", data)], new Dictionary<string, string>
        {
            ["name"] = word,
            ["step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["training_comment"] = "trained with a LoRA by LatentSharp (sd train lora --new-word)",
        });
    }
}
