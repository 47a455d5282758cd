using LatentSharp.Adapters;
using LatentSharp.Prompts;
using LatentSharp.Text;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// The pipeline's adapters: LoRAs (its standing ones, the request's, and the prompt's &lt;lora:…&gt; tags, merged into
/// the model for each generation), textual-inversion embeddings, and the prompt syntax they are written in.
/// </summary>
public sealed partial class StableDiffusionPipeline
{
    readonly ClipTokenizer baseTokenizer;

    /// <summary>The textual-inversion embeddings prompts can use; null when none are set.</summary>
    public TextualInversion? Embeddings { get; private set; }

    /// <summary>LoRAs every generation uses (<c>sd generate --lora FILE:SCALE</c>); a request's own and its prompt's tags add to them.</summary>
    public IReadOnlyList<LoraApplication> Loras { get; set; } = [];

    /// <summary>Where &lt;lora:NAME:…&gt; tags of A1111-syntax prompts are looked up (<c>--lora-dir</c>); null: tags are an error.</summary>
    public LoraLibrary? LoraLibrary { get; set; }

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

    /// <summary>The LoRAs of a request: the pipeline's, the request's, then its prompt's tags (A1111 syntax), with the names they were mentioned by.</summary>
    public IReadOnlyList<(string Name, LoraApplication Lora)> LorasFor(GenerationRequest request)
    {
        var loras = Loras.Concat(request.Loras).Select(l => (l.File.Name, l)).ToList();
        if (request.PromptSyntax != PromptSyntax.A1111) return loras;
        foreach (var tag in ExtraNetworkTags.Loras(ExtraNetworkTags.Extract(request.Prompt).Tags))
        {
            var library = LoraLibrary ?? throw new LatentSharpException($"the prompt names <lora:{tag.Name}:…> but no LoRA folder is set (--lora-dir)");
            loras.Add((tag.Name, new LoraApplication(library.Get(tag.Name), tag.UnetScale, tag.TextEncoderScale)));
        }
        return loras;
    }

    /// <summary>Merges the request's LoRAs into the model (exactly the base weights when it has none) and returns the prompt to encode.</summary>
    string ApplyAdapters(GenerationRequest request)
    {
        Model.Loras.Set(LorasFor(request).Select(l => l.Lora).ToList());
        return request.PromptSyntax == PromptSyntax.A1111 ? ExtraNetworkTags.Extract(request.Prompt).Prompt : request.Prompt;
    }

    /// <summary>
    /// The request's conditioning: SD 1.x/2.x prompts in A1111's syntax through <see cref="WeightedPromptEncoder"/>, plain ones
    /// through the family's conditioner, with the embeddings' words expanded. SDXL prompts go to its conditioner as they are.
    /// </summary>
    UNetConditioning Conditioning(GenerationRequest request, int width, int height, bool guided)
    {
        if (Model.TextEncoder2 is not null) return Conditioners.For(Model, Tokenizer, Tokenizer2, Warn).Encode(request, width, height, guided);
        Func<string, string>? expand = Embeddings is { } e ? e.ExpandPrompt : null;
        if (request.PromptSyntax != PromptSyntax.A1111)
            return new ClipConditioner(new PromptEncoder(Tokenizer, Model.TextEncoder) { Warn = Warn, ExpandPrompt = expand }) { Warn = Warn }
                .Encode(request, width, height, guided);
        var weighted = new WeightedPromptEncoder(Tokenizer, Model.TextEncoder)
        {
            ExpandPrompt = expand,
            EmbeddingLengths = Embeddings?.EmbeddingLengths ?? new Dictionary<int, int>(),
        };
        return new UNetConditioning(weighted.EncodeBatch(request.Prompt, request.NegativePrompt ?? "", request.BatchSize, guided, request.ClipSkip));
    }

    /// <summary>A1111's infotext entries for adapters: "Lora hashes" ("name: hash, …") and "TI hashes" of the embeddings the prompts use.</summary>
    IEnumerable<KeyValuePair<string, string>> AdapterParameters(GenerationRequest request)
    {
        static string Clean(string name) => name.Replace(":", "").Replace(",", "");
        var loras = LorasFor(request);
        if (loras.Count > 0)
            yield return new("Lora hashes", string.Join(", ", loras.Select(l => $"{Clean(l.Name)}: {l.Lora.File.ShortHash}").Distinct()));
        if (Embeddings is { } embeddings)
        {
            var used = embeddings.UsedIn(request.Prompt).Concat(embeddings.UsedIn(request.NegativePrompt ?? "")).Distinct().ToList();
            if (used.Count > 0) yield return new("TI hashes", string.Join(", ", used.Select(e => $"{Clean(e.Word)}: {e.ShortHash}")));
        }
    }
}
