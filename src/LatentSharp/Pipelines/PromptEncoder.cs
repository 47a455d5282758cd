using LatentSharp.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// Prompt → context vectors for cross-attention: tokenise to the model's fixed length (padding, or
/// truncation with a warning naming what was dropped, as diffusers does) and run the text encoder.
/// </summary>
internal sealed class PromptEncoder(ClipTokenizer tokenizer, ClipTextModel textEncoder)
{
    /// <summary>Receives warnings such as a truncated prompt.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Rewrites a prompt before tokenizing (textual-inversion words expanded to their tokens); null: none.</summary>
    public Func<string, string>? ExpandPrompt { get; init; }

    /// <summary>[1, T, D] embeddings of one prompt.</summary>
    public Tensor Encode(string prompt, int clipSkip = 0)
    {
        if (ExpandPrompt is { } expand) prompt = expand(prompt);
        using var ids = Tokenize(tokenizer, prompt, Warn);
        using var _ = torch.inference_mode();
        return textEncoder.PromptEmbeddings(ids, clipSkip);
    }

    /// <summary>[1, T] int64 token ids of one prompt, padded or truncated to the tokenizer's length (a truncation is reported to <paramref name="warn"/>).</summary>
    public static Tensor Tokenize(ClipTokenizer tokenizer, string prompt, Action<string>? warn)
    {
        var tokens = tokenizer.EncodeForModel(prompt);
        if (tokens.WasTruncated)
            warn?.Invoke($"The following part of your input was truncated because CLIP can only handle sequences up to " +
                         $"{tokens.InputIds.Length} tokens: {tokens.TruncatedText}");
        return torch.tensor(tokens.InputIds.Select(i => (long)i).ToArray(), [1, tokens.InputIds.Length]);
    }

    /// <summary>
    /// The U-Net context for a batch: [negative ×B; prompt ×B] with guidance, or [prompt ×B] without
    /// (the order diffusers uses, so batched outputs line up with the reference). Like diffusers 0.27,
    /// clip skip applies to the prompt only; the negative prompt always uses the last layer.
    /// </summary>
    public Tensor EncodeBatch(string prompt, string negativePrompt, int batchSize, bool guidance, int clipSkip = 0)
    {
        using var scope = NewDisposeScope();
        var cond = Encode(prompt, clipSkip).repeat(batchSize, 1, 1);
        if (!guidance) return cond.MoveToOuterDisposeScope();
        var uncond = Encode(negativePrompt).repeat(batchSize, 1, 1);
        return cat([uncond, cond], 0).MoveToOuterDisposeScope();
    }
}
