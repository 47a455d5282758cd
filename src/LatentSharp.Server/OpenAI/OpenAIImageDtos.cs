namespace LatentSharp.Server.OpenAI;

/// <summary>
/// OpenAI's POST /v1/images/generations body. <c>model</c>, <c>quality</c>, <c>style</c> and <c>user</c> are
/// accepted and ignored: the server has one model, and its sampling settings are the pipeline's defaults.
/// </summary>
public sealed class ImageGenerationRequest
{
    public string? Prompt { get; set; }
    public string? Model { get; set; }
    public int? N { get; set; }

    /// <summary>"WIDTHxHEIGHT" (multiples of 8), or "auto" / absent for the model's own size.</summary>
    public string? Size { get; set; }

    /// <summary>Only b64_json: the server keeps no files to link to.</summary>
    public string? ResponseFormat { get; set; }

    /// <summary>Only png.</summary>
    public string? OutputFormat { get; set; }

    public string? Quality { get; set; }
    public string? Style { get; set; }
    public string? User { get; set; }
}

/// <summary>OpenAI's images response: a Unix time and one entry per image.</summary>
public sealed record ImagesResponse(long Created, IReadOnlyList<ImageData> Data);

public sealed record ImageData(string B64Json, string? RevisedPrompt);
