namespace LatentSharp.Server.A1111;

/// <summary>txt2img / img2img: base64 PNGs, the request as understood, and <c>info</c>, a JSON string (A1111's Processed.js()).</summary>
public sealed record ImageResponse(IReadOnlyList<string> Images, object Parameters, string Info);

/// <summary>/sdapi/v1/progress.</summary>
public sealed record ProgressResponse(double Progress, double EtaRelative, ProgressState State, string? CurrentImage, string? Textinfo);

/// <summary>A1111's shared.state as the progress endpoint reports it; <c>queued</c> (jobs waiting) is LatentSharp's addition.</summary>
public sealed record ProgressState(
    bool Skipped, bool Interrupted, bool StoppingGeneration, string Job, int JobCount, string JobTimestamp, int JobNo,
    int SamplingStep, int SamplingSteps, int Queued);

public sealed record SamplerItem(string Name, IReadOnlyList<string> Aliases, IReadOnlyDictionary<string, string> Options);

public sealed record SdModelItem(string Title, string ModelName, string? Hash, string? Sha256, string Filename, string? Config);

/// <summary>The web UI's /internal/progress request: which task, and the preview id the page already shows.</summary>
public sealed class InternalProgressRequest
{
    public string IdTask { get; set; } = "";
    public int IdLivePreview { get; set; } = -1;
    public bool LivePreview { get; set; } = true;
}

/// <summary>
/// The web UI's /internal/progress answer for one task; <c>live_preview</c> is a data URL, sent only when newer
/// than the page's. <c>queue_position</c> (1 = next) is LatentSharp's addition.
/// </summary>
public sealed record InternalProgressResponse(
    bool Active, bool Queued, bool Completed, double? Progress, double? Eta, string? LivePreview, int? IdLivePreview,
    string? Textinfo, int? QueuePosition);
