using System.CommandLine;
using System.Globalization;
using LatentSharp.Adapters;
using LatentSharp.Pipelines;

namespace LatentSharp.Cli.Generation;

/// <summary>
/// LoRAs, embeddings and the prompt syntax, for `sd generate`, `sd img2img`, `sd inpaint` and `sd eval`: --lora FILE[:SCALE]
/// (repeatable), --lora-dir (for &lt;lora:NAME:SCALE&gt; in prompts), --embedding FILE (repeatable; the file name is the
/// word) and --embeddings-dir, --prompt-syntax. Files are read and checked by <see cref="Load"/> before the model loads.
/// </summary>
public sealed class AdapterOptions
{
    static readonly Dictionary<string, PromptSyntax> Syntaxes = new() { ["a1111"] = Pipelines.PromptSyntax.A1111, ["plain"] = Pipelines.PromptSyntax.Plain };

    public readonly Option<string[]> Lora = new("--lora")
    {
        Description = "apply a LoRA (kohya/A1111 or diffusers .safetensors) at SCALE (default 1); repeat for several, they add up",
        HelpName = "FILE[:SCALE]",
        DefaultValueFactory = _ => [],
    };

    public readonly Option<string?> LoraDir = CliOption.OptionalString("--lora-dir",
        "folder where <lora:NAME:SCALE> in a prompt finds NAME.safetensors (A1111's models/Lora)", "DIR");

    public readonly Option<string[]> Embedding = new("--embedding")
    {
        Description = "a textual-inversion embedding (.safetensors); its file name is the word that calls it in prompts; repeatable",
        HelpName = "FILE",
        DefaultValueFactory = _ => [],
    };

    public readonly Option<string?> EmbeddingsDir = CliOption.OptionalString("--embeddings-dir",
        "every embedding of a folder, each under its file name (A1111's embeddings/)", "DIR");

    public readonly TextOption<PromptSyntax> PromptSyntax = CliOption.Choice("--prompt-syntax",
        "a1111: (emphasis:1.2), [less], BREAK, long prompts in chunks of 75, <lora:NAME:SCALE> (sd serve's syntax); plain: the text as diffusers reads it",
        Syntaxes, "plain");

    public IEnumerable<Option> All => [Lora, LoraDir, Embedding, EmbeddingsDir, PromptSyntax];

    public PromptSyntax Syntax(ParseResult parse) => PromptSyntax.Read(parse);

    /// <summary>A line for a prompt whose A1111 syntax plain reading would take as text (a &lt;lora:…&gt; tag, say); null if none.</summary>
    public static string? PlainSyntaxNotice(GenerationRequest request) =>
        request.PromptSyntax == Pipelines.PromptSyntax.Plain && request.Prompt.Contains("<lora:", StringComparison.Ordinal)
            ? "the prompt's <lora:…> tag is read as text with --prompt-syntax plain (the default); pass --prompt-syntax a1111 to apply it"
            : null;

    /// <summary>The files the options name, read and validated (one-line errors for bad ones).</summary>
    public LoadedAdapters Load(ParseResult parse, Action<string>? warn = null)
    {
        var loaded = new LoadedAdapters();
        try
        {
            foreach (var spec in parse.GetValue(Lora) ?? [])
            {
                var (path, scale) = ParseLora(spec);
                loaded.Loras.Add(new LoraApplication(LoraFile.Load(path), scale));
            }
            if (parse.GetValue(LoraDir) is { } dir) loaded.Library = new LoraLibrary(dir);
            foreach (var path in parse.GetValue(Embedding) ?? []) loaded.Embeddings.Add(TextualInversionFile.Load(path));
            loaded.EmbeddingsDir = parse.GetValue(EmbeddingsDir);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>"FILE:SCALE" (the part after the last ':' when it is a number) or "FILE" (scale 1).</summary>
    public static (string Path, double Scale) ParseLora(string spec)
    {
        int colon = spec.LastIndexOf(':');
        if (colon > 0 && double.TryParse(spec[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double scale))
            return double.IsFinite(scale) ? (spec[..colon], scale) : throw new UsageException($"--lora: the scale of '{spec}' is not a finite number");
        return (spec, 1.0);
    }
}

/// <summary>The LoRA and embedding files of the command line, read before the model loads; applied to the pipeline after.</summary>
public sealed class LoadedAdapters : IDisposable
{
    public List<LoraApplication> Loras { get; } = [];
    public LoraLibrary? Library { get; set; }
    public List<TextualInversionFile> Embeddings { get; } = [];
    public string? EmbeddingsDir { get; set; }
    EmbeddingFolder? folder;

    /// <summary>Gives the pipeline its LoRAs, LoRA folder and embeddings (the folder's that fit, then the named files).</summary>
    public void ApplyTo(StableDiffusionPipeline pipeline, Action<string>? warn = null)
    {
        pipeline.Loras = Loras;
        pipeline.LoraLibrary = Library;
        var embeddings = new List<TextualInversionFile>();
        if (EmbeddingsDir is { } dir)
        {
            folder = EmbeddingFolder.Load(dir, pipeline.Model.TextEncoder.Config.HiddenSize);
            foreach (var skipped in folder.Skipped) warn?.Invoke($"{skipped.Path}: skipped, made for a text encoder of another width");
            foreach (var unusable in folder.Unusable) warn?.Invoke(unusable);
            embeddings.AddRange(folder.Loaded.Where(e => Embeddings.All(named => named.Word != e.Word)));
        }
        embeddings.AddRange(Embeddings);
        if (embeddings.Count > 0) pipeline.SetEmbeddings(embeddings);
    }

    public void Dispose()
    {
        foreach (var l in Loras) l.File.Dispose();
        foreach (var e in Embeddings) e.Dispose();
        Library?.Dispose();
        folder?.Dispose();
    }
}
