using LatentSharp.Checkpoints;
using LatentSharp.Text;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// SDXL's conditioning, as diffusers' StableDiffusionXLPipeline computes it: each prompt goes through both text
/// encoders with their own tokenizers (prompt_2 defaults to the prompt), the U-Net context is both encoders' penultimate
/// hidden states side by side (no final LayerNorm), the pooled conditioning is text_encoder_2's projected pooled output,
/// and six micro-conditioning numbers — original size (h, w), crop top-left (top, left), target size (h, w) — go
/// with it. A negative prompt that was not given conditions on zeros when the model asks for it (force_zeros_for_empty_prompt).
/// </summary>
internal sealed class SdxlConditioner(
    ClipTokenizer tokenizer, ClipTextModel textEncoder, ClipTokenizer tokenizer2, ClipTextModelWithProjection textEncoder2,
    bool forceZerosForEmptyPrompt) : IConditioner
{
    public Action<string>? Warn { get; init; }

    public UNetConditioning Encode(GenerationRequest request, int width, int height, bool guided)
    {
        using var scope = NewDisposeScope();
        var timeIds = TimeIds(request, width, height);
        var (embeds, pooled) = EncodePrompt(request.Prompt, Or(request.Prompt2, request.Prompt), request.ClipSkip);
        var cond = new UNetConditioning(embeds, pooled, timeIds).Repeat(request.BatchSize);
        if (!guided) return cond.MoveToOuterDisposeScope();

        UNetConditioning uncond;
        if (request.NegativePrompt is null && forceZerosForEmptyPrompt)
            uncond = new UNetConditioning(zeros_like(embeds), zeros_like(pooled), timeIds);
        else
        {
            string negative = request.NegativePrompt ?? "";
            // As diffusers 0.27: clip skip applies to the prompt only.
            var (negativeEmbeds, negativePooled) = EncodePrompt(negative, Or(request.NegativePrompt2, negative), clipSkip: 0);
            uncond = new UNetConditioning(negativeEmbeds, negativePooled, timeIds);
        }
        return UNetConditioning.Concat(uncond.Repeat(request.BatchSize), cond).MoveToOuterDisposeScope();
    }

    /// <summary>[1, 77, D1 + D2] context and [1, P] pooled embedding of one prompt pair.</summary>
    (Tensor Embeds, Tensor Pooled) EncodePrompt(string prompt, string prompt2, int clipSkip)
    {
        int layers = Math.Min(textEncoder.Config.NumHiddenLayers, textEncoder2.Config.NumHiddenLayers);
        if (clipSkip < 0 || clipSkip > layers - 1)
            throw new LatentSharpException($"clip skip must be between 0 and {layers - 1} for this model (got {clipSkip})");
        using var ids = PromptEncoder.Tokenize(tokenizer, prompt, Warn);
        using var ids2 = PromptEncoder.Tokenize(tokenizer2, prompt2, Warn);
        using var first = textEncoder.forward(ids);
        using var second = textEncoder2.forward(ids2);
        // diffusers: hidden_states[-(clip_skip + 2)], the penultimate layer when clip_skip is 0.
        var embeds = cat([first.HiddenStates[^(clipSkip + 2)], second.HiddenStates[^(clipSkip + 2)]], -1);
        return (embeds, textEncoder2.TextEmbeds(second.PoolerOutput));
    }

    /// <summary>[1, 6] float32: original (h, w), crop (top, left), target (h, w); sizes default to the generated image's.</summary>
    static Tensor TimeIds(GenerationRequest r, int width, int height)
    {
        var original = r.OriginalSize ?? new PixelSize(width, height);
        var crop = r.CropTopLeft ?? new CropOffset(0, 0);
        var target = r.TargetSize ?? new PixelSize(width, height);
        float[] ids = [original.Height, original.Width, crop.Top, crop.Left, target.Height, target.Width];
        return tensor(ids, [1, SdxlConditioningShape.TimeIds]);
    }

    /// <summary>diffusers' <c>prompt_2 or prompt</c>: an empty second prompt falls back to the first.</summary>
    static string Or(string? second, string first) => string.IsNullOrEmpty(second) ? first : second;
}
