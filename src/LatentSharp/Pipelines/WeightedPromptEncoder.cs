using LatentSharp.Prompts;
using LatentSharp.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>The token ids of one prompt chunk (BOS, 75 tokens or padding, EOS) and each token's weight.</summary>
internal sealed record PromptChunk(int[] Ids, float[] Multipliers);

/// <summary>
/// Prompts as AUTOMATIC1111 encodes them (its "Original" emphasis): the prompt is parsed for emphasis
/// (<see cref="PromptAttention"/>), each run tokenized, and the tokens laid into chunks of 75 — a BREAK or a full
/// chunk starts the next one (a chunk that fills up moves the words after its last comma, if that comma is within
/// the last 20 tokens, to the next), a multi-vector embedding is never split — each chunk encoded on its own as
/// BOS + 75 + EOS, and the chunks' outputs concatenated, so long prompts are not truncated. Each token's output
/// vector is multiplied by its weight, and the chunk then rescaled so that its mean equals the unweighted mean.
/// A prompt without emphasis of at most 75 tokens gives exactly what <see cref="PromptEncoder"/> gives.
/// </summary>
internal sealed class WeightedPromptEncoder(ClipTokenizer tokenizer, ClipTextModel textEncoder)
{
    /// <summary>A1111's comma_padding_backtrack default.</summary>
    public const int CommaBacktrack = 20;

    /// <summary>Rewrites each run of text before tokenizing (textual-inversion words expanded); null: none.</summary>
    public Func<string, string>? ExpandPrompt { get; init; }

    /// <summary>First token id of each multi-vector embedding → its number of vectors (kept in one chunk).</summary>
    public IReadOnlyDictionary<int, int> EmbeddingLengths { get; init; } = new Dictionary<int, int>();

    int ChunkLength => tokenizer.ModelMaxLength - 2;

    /// <summary>A1111's tokenize_line: the chunks of a prompt.</summary>
    public IReadOnlyList<PromptChunk> Chunks(string prompt)
    {
        var chunks = new List<PromptChunk>();
        var tokens = new List<int>();
        var weights = new List<float>();
        int lastComma = -1;
        int comma = tokenizer.Vocabulary.TryGetValue(",</w>", out int c) ? c : -1;

        void NextChunk()
        {
            var ids = new List<int> { tokenizer.BosTokenId };
            ids.AddRange(tokens);
            ids.Add(tokenizer.EosTokenId);
            var multipliers = new List<float> { 1f };
            multipliers.AddRange(weights);
            multipliers.Add(1f);
            while (ids.Count < ChunkLength + 2)
            {
                ids.Add(tokenizer.PadTokenId);
                multipliers.Add(1f);
            }
            chunks.Add(new PromptChunk(ids.ToArray(), multipliers.ToArray()));
            tokens.Clear();
            weights.Clear();
            lastComma = -1;
        }

        foreach (var run in PromptAttention.Parse(prompt))
        {
            if (run.IsBreak)
            {
                NextChunk();
                continue;
            }
            int[] ids = Tokenize(run.Text);
            float weight = (float)run.Weight;
            for (int position = 0; position < ids.Length;)
            {
                int token = ids[position];
                if (token == comma) lastComma = tokens.Count;
                else if (tokens.Count == ChunkLength && lastComma != -1 && tokens.Count - lastComma <= CommaBacktrack)
                {
                    int breakAt = lastComma + 1;
                    var movedTokens = tokens.GetRange(breakAt, tokens.Count - breakAt);
                    var movedWeights = weights.GetRange(breakAt, weights.Count - breakAt);
                    tokens.RemoveRange(breakAt, tokens.Count - breakAt);
                    weights.RemoveRange(breakAt, weights.Count - breakAt);
                    NextChunk();
                    tokens.AddRange(movedTokens);
                    weights.AddRange(movedWeights);
                }
                if (tokens.Count == ChunkLength) NextChunk();

                int length = EmbeddingAt(ids, position);
                if (length > 1 && tokens.Count + length > ChunkLength) NextChunk();
                for (int i = 0; i < length; i++)
                {
                    tokens.Add(ids[position + i]);
                    weights.Add(weight);
                }
                position += length;
            }
        }
        if (tokens.Count > 0 || chunks.Count == 0) NextChunk();
        return chunks;
    }

    /// <summary>[1, 77·chunks, D]: every chunk encoded, weighted and concatenated.</summary>
    public Tensor Encode(string prompt, int clipSkip = 0)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.inference_mode();
        var parts = Chunks(prompt).Select(chunk => EncodeChunk(chunk, clipSkip)).ToList();
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The U-Net context for a batch, [negative ×B; prompt ×B] with guidance. When the two have different numbers of
    /// chunks the shorter is padded with the empty prompt's chunk (A1111's "pad prompt/negative prompt to be same
    /// length"), so both run in one U-Net call. Clip skip applies to both, as in A1111.
    /// </summary>
    public Tensor EncodeBatch(string prompt, string negativePrompt, int batchSize, bool guidance, int clipSkip = 0)
    {
        using var scope = NewDisposeScope();
        var cond = Encode(prompt, clipSkip);
        if (!guidance) return cond.repeat(batchSize, 1, 1).MoveToOuterDisposeScope();
        var uncond = Encode(negativePrompt, clipSkip);
        if (cond.shape[1] != uncond.shape[1])
        {
            var empty = Encode("", clipSkip);
            Tensor Pad(Tensor t, long length) =>
                t.shape[1] >= length ? t : cat([t, empty.repeat(1, (int)((length - t.shape[1]) / empty.shape[1]), 1)], 1);
            long longest = Math.Max(cond.shape[1], uncond.shape[1]);
            (cond, uncond) = (Pad(cond, longest), Pad(uncond, longest));
        }
        return cat([uncond.repeat(batchSize, 1, 1), cond.repeat(batchSize, 1, 1)], 0).MoveToOuterDisposeScope();
    }

    Tensor EncodeChunk(PromptChunk chunk, int clipSkip)
    {
        using var ids = torch.tensor(chunk.Ids.Select(i => (long)i).ToArray(), [1, chunk.Ids.Length]);
        var z = textEncoder.PromptEmbeddings(ids, clipSkip);
        if (chunk.Multipliers.All(m => m == 1f)) return z;
        using (z)
        {
            // A1111: z · multipliers, then × (original mean / new mean), all in the encoder's float32.
            using var multipliers = torch.tensor(chunk.Multipliers, [1, chunk.Multipliers.Length, 1]).to(z.dtype);
            using var originalMean = z.mean();
            using var weighted = z * multipliers;
            using var newMean = weighted.mean();
            using var ratio = originalMean / newMean;
            return weighted * ratio;
        }
    }

    /// <summary>The run's tokens without BOS and EOS (A1111 tokenizes each run with add_special_tokens=False).</summary>
    int[] Tokenize(string text)
    {
        if (ExpandPrompt is { } expand) text = expand(text);
        int[] ids = tokenizer.Encode(text);
        return ids[1..^1];
    }

    /// <summary>How many tokens starting at <paramref name="position"/> belong together: a whole embedding, else 1.</summary>
    int EmbeddingAt(int[] ids, int position)
    {
        if (!EmbeddingLengths.TryGetValue(ids[position], out int n) || n <= 1 || position + n > ids.Length) return 1;
        for (int i = 1; i < n; i++)
            if (ids[position + i] != ids[position] + i) return 1;
        return n;
    }
}
