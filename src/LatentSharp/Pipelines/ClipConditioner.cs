using LatentSharp.UNet;

namespace LatentSharp.Pipelines;

/// <summary>SD 1.x/2.x (and the project's own models): the text encoder's hidden states are the whole conditioning.</summary>
internal sealed class ClipConditioner(PromptEncoder prompts) : IConditioner
{
    public Action<string>? Warn { get; init; }

    public UNetConditioning Encode(GenerationRequest request, int width, int height, bool guided)
    {
        if (request.Prompt2 is { Length: > 0 } || request.NegativePrompt2 is { Length: > 0 } || request.OriginalSize is not null
            || request.CropTopLeft is not null || request.TargetSize is not null)
            Warn?.Invoke("prompt 2, negative prompt 2 and the original size / crop / target size conditioning apply to SDXL models only; ignored");
        // Not given and "" are the same here: the empty prompt's embedding is the unconditional one.
        return new UNetConditioning(prompts.EncodeBatch(request.Prompt, request.NegativePrompt ?? "", request.BatchSize, guided, request.ClipSkip));
    }
}
