namespace LatentSharp.Server;

/// <summary>Where the server listens and the limits it puts on requests (`sd serve` options).</summary>
public sealed record ServerOptions
{
    /// <summary>Loopback unless told otherwise: the API has no user accounts, only an optional shared key.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>AUTOMATIC1111's port, so clients configured for it find us; 0 picks a free port.</summary>
    public int Port { get; init; } = 7860;

    /// <summary>When set, every request must carry it (Bearer token, or Basic auth with it as the password).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Jobs that may wait behind the running one; more are answered 503.</summary>
    public int MaxQueue { get; init; } = 16;

    public int MaxSteps { get; init; } = 150;
    public int MaxWidth { get; init; } = 1024;
    public int MaxHeight { get; init; } = 1024;

    /// <summary>Images per request (n_iter × batch_size, or OpenAI's n).</summary>
    public int MaxImages { get; init; } = 16;

    /// <summary>Largest request body; base64 init images and masks are the big part.</summary>
    public long MaxBodyBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>Largest side of an uploaded image before it is decoded (a small PNG can hold a huge bitmap).</summary>
    public int MaxUploadSide { get; init; } = 4096;

    /// <summary>Share of the generation time that live previews (VAE decodes of the current latents) may take.</summary>
    public double PreviewTimeShare { get; init; } = 0.2;

    /// <summary>Folder of LoRAs that &lt;lora:NAME:SCALE&gt; in prompts refers to (A1111's models/Lora); null: none.</summary>
    public string? LoraDir { get; init; }

    /// <summary>Folder of textual-inversion embeddings, each word its file name (A1111's embeddings/); null: none.</summary>
    public string? EmbeddingsDir { get; init; }

    /// <summary>Seconds a client is told to wait (Retry-After) when the queue is full.</summary>
    public int RetryAfterSeconds { get; init; } = 5;

    /// <summary>
    /// On SIGTERM / Ctrl+C, how long the running job may take to finish before it is stopped (its client then
    /// gets a 503 to retry elsewhere). 25 s fits Kubernetes' default 30 s grace period.
    /// </summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>How the server logs, to stderr: one line per request and the warnings.</summary>
    public ServerLogFormat LogFormat { get; init; } = ServerLogFormat.Text;
}

/// <summary>The server's log format.</summary>
public enum ServerLogFormat
{
    /// <summary>Nothing (the library's in-process use, tests).</summary>
    None,
    /// <summary>One human-readable line per entry, with a UTC timestamp.</summary>
    Text,
    /// <summary>One JSON object per line (timestamp, level, category, message and every field), for log collectors.</summary>
    Json,
}
