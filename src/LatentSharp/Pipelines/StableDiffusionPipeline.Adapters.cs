using LatentSharp.Adapters;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Pipelines;

/// <summary>The pipeline's adapters: LoRAs live on the model (<see cref="Checkpoints.StableDiffusionModel.Loras"/>), embeddings here.</summary>
public sealed partial class StableDiffusionPipeline
{
    readonly ClipTokenizer baseTokenizer;

    /// <summary>The textual-inversion embeddings prompts can use; null when none are set.</summary>
    public TextualInversion? Embeddings { get; private set; }

    /// <summary>
    /// Makes <paramref name="embeddings"/> the words prompts can use (replacing any set before; an empty list removes
    /// them all): their tokens are added to <see cref="Tokenizer"/> and their vectors to the text encoder. Throws one
    /// line, changing nothing, for an embedding of another width or a word already taken. Not during a generation.
    /// </summary>
    public void SetEmbeddings(IReadOnlyList<TextualInversionFile> embeddings)
    {
        if (embeddings.Count == 0)
        {
            Embeddings = null;
            Tokenizer = baseTokenizer;
            Model.TextEncoder.AddedTokenRows = null;
            return;
        }
        var installed = TextualInversion.Create(embeddings, baseTokenizer, Model.TextEncoder.Config.HiddenSize, Model.TextEncoder.VocabularyRows);
        Model.TextEncoder.AddedTokenRows = installed.Rows;
        Tokenizer = installed.Tokenizer;
        Embeddings = installed;
    }

    /// <summary>The request's conditioning through the model family's conditioner, with the embeddings' words expanded (SD 1.x/2.x).</summary>
    UNetConditioning Conditioning(GenerationRequest request, int width, int height, bool guided)
    {
        if (Model.TextEncoder2 is not null) return Conditioners.For(Model, Tokenizer, Tokenizer2, Warn).Encode(request, width, height, guided);
        var prompts = new PromptEncoder(Tokenizer, Model.TextEncoder) { Warn = Warn, ExpandPrompt = Embeddings is { } e ? e.ExpandPrompt : null };
        return new ClipConditioner(prompts) { Warn = Warn }.Encode(request, width, height, guided);
    }
}
