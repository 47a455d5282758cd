using LatentSharp.Checkpoints;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Pipelines;

/// <summary>
/// The model family's part of a generation (sgm calls it the conditioner): a request's prompts and sizes → what the
/// U-Net receives besides z and t. The pipeline runs one denoising loop for every family; guidance, seeds,
/// samplers, img2img and the server never learn which family they serve.
/// </summary>
internal interface IConditioner
{
    /// <summary>
    /// The conditioning of <paramref name="request"/>'s batch for an image of <paramref name="width"/>×<paramref name="height"/>:
    /// [negative ×B; prompt ×B] with classifier-free guidance (the order diffusers uses), [prompt ×B] without.
    /// </summary>
    UNetConditioning Encode(GenerationRequest request, int width, int height, bool guided);
}

/// <summary>Which conditioner a model needs.</summary>
internal static class Conditioners
{
    /// <param name="tokenizer2">SDXL's tokenizer_2 (required for SDXL models).</param>
    /// <param name="warn">Receives warnings such as a truncated prompt.</param>
    public static IConditioner For(StableDiffusionModel model, ClipTokenizer tokenizer, ClipTokenizer? tokenizer2, Action<string>? warn) =>
        model.TextEncoder2 is { } second
            ? new SdxlConditioner(tokenizer, model.TextEncoder,
                tokenizer2 ?? throw new ArgumentNullException(nameof(tokenizer2), "an SDXL model needs tokenizer_2"), second,
                model.Configs.ForceZerosForEmptyPrompt) { Warn = warn }
            : new ClipConditioner(new PromptEncoder(tokenizer, model.TextEncoder) { Warn = warn }) { Warn = warn };
}
