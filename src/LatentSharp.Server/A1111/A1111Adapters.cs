using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Pipelines;
using LatentSharp.Prompts;
using LatentSharp.Server.Http;

namespace LatentSharp.Server.A1111;

/// <summary>
/// The server's LoRA folder and embeddings (<c>sd serve --lora-dir --embeddings-dir</c>), loaded once at start: the
/// folder becomes the pipeline's <see cref="StableDiffusionPipeline.LoraLibrary"/>, the embeddings that fit the model
/// its words. Served as A1111 serves them: /sdapi/v1/loras, /sdapi/v1/refresh-loras, /sdapi/v1/embeddings.
/// </summary>
public sealed class ServerAdapters : IDisposable
{
    ServerAdapters(LoraLibrary? library, EmbeddingFolder? embeddings)
    {
        Library = library;
        Embeddings = embeddings;
    }

    public LoraLibrary? Library { get; }
    public EmbeddingFolder? Embeddings { get; }

    public static ServerAdapters Load(StableDiffusionPipeline pipeline, ServerOptions options, Action<string>? warn = null)
    {
        var library = options.LoraDir is { } dir ? new LoraLibrary(dir) : null;
        EmbeddingFolder? embeddings = null;
        try
        {
            if (options.EmbeddingsDir is { } embeddingsDir)
            {
                embeddings = EmbeddingFolder.Load(embeddingsDir, pipeline.Model.TextEncoder.Config.HiddenSize);
                foreach (var unusable in embeddings.Unusable) warn?.Invoke(unusable);
            }
            // Always set, so a pipeline served again with other folders keeps nothing of the last ones.
            pipeline.SetEmbeddings(embeddings?.Loaded ?? []);
            pipeline.LoraLibrary = library;
            return new ServerAdapters(library, embeddings);
        }
        catch
        {
            library?.Dispose();
            embeddings?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks a prompt before its job is queued: emphasis that parses, and every &lt;lora:NAME:…&gt; a LoRA of the folder
    /// that loads (an unknown name is a 400 naming it).
    /// </summary>
    public static void CheckPrompt(StableDiffusionPipeline pipeline, string prompt, string field, bool withLoras)
    {
        try
        {
            var (text, tags) = ExtraNetworkTags.Extract(prompt);
            PromptAttention.Parse(text);
            if (!withLoras) return;
            foreach (var lora in ExtraNetworkTags.Loras(tags))
            {
                if (pipeline.LoraLibrary is not { } library)
                    throw RequestChecks.Bad(field, $"unknown LoRA '{lora.Name}' (the server has no LoRA folder: sd serve --lora-dir DIR)");
                library.Get(lora.Name);
            }
        }
        catch (LatentSharpException e)
        {
            throw RequestChecks.Bad(field, e.Message);
        }
        catch (CheckpointException e)
        {
            throw RequestChecks.Bad(field, e.Message);
        }
    }

    public void Dispose()
    {
        Library?.Dispose();
        Embeddings?.Dispose();
    }
}

/// <summary>A1111's /sdapi/v1/loras item.</summary>
public sealed record LoraItem(string Name, string Alias, string Path, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A1111's /sdapi/v1/embeddings item (shape = the vectors' width).</summary>
public sealed record EmbeddingItem(int? Step, string? SdCheckpoint, string? SdCheckpointName, long Shape, int Vectors);

/// <summary>A1111's /sdapi/v1/embeddings answer: the embeddings in use and those made for another model.</summary>
public sealed record EmbeddingsResponse(IReadOnlyDictionary<string, EmbeddingItem> Loaded, IReadOnlyDictionary<string, EmbeddingItem> Skipped);

internal static class A1111AdapterEndpoints
{
    public static void MapA1111Adapters(this WebApplication app)
    {
        var api = app.MapGroup("/sdapi/v1");
        api.MapGet("/loras", (ServerAdapters adapters) => Results.Json(Loras(adapters), JsonOptions.Api));
        api.MapPost("/refresh-loras", (ServerAdapters adapters) =>
        {
            adapters.Library?.Refresh();
            return Results.Json<object?>(null, JsonOptions.Api);
        });
        api.MapGet("/embeddings", (ServerAdapters adapters) => Results.Json(Embeddings(adapters), JsonOptions.Api));
    }

    static IReadOnlyList<LoraItem> Loras(ServerAdapters adapters) =>
        adapters.Library?.Entries.Select(e => new LoraItem(e.Name, e.Alias, e.Path, e.Metadata)).ToList() ?? [];

    static EmbeddingsResponse Embeddings(ServerAdapters adapters)
    {
        static Dictionary<string, EmbeddingItem> Items(IEnumerable<TextualInversionFile> files) => files.ToDictionary(e => e.Word, e => new EmbeddingItem(
            e.Step, e.Metadata.GetValueOrDefault("sd_checkpoint"), e.Metadata.GetValueOrDefault("sd_checkpoint_name"),
            e.Vectors["text_encoder"].shape[1], e.VectorCount));
        return new EmbeddingsResponse(Items(adapters.Embeddings?.Loaded ?? []), Items(adapters.Embeddings?.Skipped ?? []));
    }
}
