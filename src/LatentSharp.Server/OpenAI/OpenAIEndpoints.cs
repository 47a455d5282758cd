using System.Globalization;
using LatentSharp.Pipelines;
using LatentSharp.Server.Http;
using LatentSharp.Server.Queue;

namespace LatentSharp.Server.OpenAI;

/// <summary>OpenAI's image generation endpoint, so OpenAI SDKs and tools can point their base URL at the server.</summary>
internal static class OpenAIEndpoints
{
    public static void MapOpenAI(this WebApplication app) =>
        app.MapPost("/v1/images/generations", async (HttpContext http, RequestChecks checks, GenerationQueue queue, StableDiffusionPipeline pipeline) =>
        {
            var body = await JsonBody.ReadAsync<ImageGenerationRequest>(http.Request);
            var request = ToGenerationRequest(body, checks, pipeline);
            var outcome = await queue.Enqueue([request], null, http.RequestAborted).Completion;
            var data = outcome.Images.Select(i => new ImageData(Convert.ToBase64String(i.EncodePng()), null)).ToList();
            return Results.Json(new ImagesResponse(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), data), JsonOptions.Api);
        });

    static GenerationRequest ToGenerationRequest(ImageGenerationRequest body, RequestChecks checks, StableDiffusionPipeline pipeline)
    {
        if (string.IsNullOrWhiteSpace(body.Prompt)) throw RequestChecks.Bad("prompt", "is required");
        if (body.ResponseFormat is { } format && format != "b64_json")
            throw RequestChecks.Bad("response_format", $"only b64_json is supported (got '{format}')");
        if (body.OutputFormat is { } output && output != "png")
            throw RequestChecks.Bad("output_format", $"only png is supported (got '{output}')");
        int n = checks.Images(body.N ?? 1, "n");
        A1111.ServerAdapters.CheckPrompt(pipeline, body.Prompt, "prompt", withLoras: true);
        var (width, height) = Size(body.Size, checks, pipeline);
        return new GenerationRequest
        {
            Prompt = body.Prompt, Width = width, Height = height, BatchSize = n, Seed = RequestChecks.Seed(null, n),
            PromptSyntax = PromptSyntax.A1111,
        };
    }

    static (int Width, int Height) Size(string? size, RequestChecks checks, StableDiffusionPipeline pipeline)
    {
        if (size is null or "auto") return (pipeline.DefaultWidth, pipeline.DefaultHeight);
        var parts = size.Split('x');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h))
            throw RequestChecks.Bad("size", $"must be WIDTHxHEIGHT, e.g. 512x512 (got '{size}')");
        return (checks.Width(w, "size")!.Value, checks.Height(h, "size")!.Value);
    }
}
