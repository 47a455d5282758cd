namespace LatentSharp.Server.Queue;

/// <summary>
/// What the worker is doing at one moment: the running job (if any), its run (n_iter index) and sampling step,
/// the latest preview of its latents, and how many jobs wait behind it.
/// </summary>
public sealed record ProgressSnapshot
{
    public string? JobId { get; init; }
    public int RunIndex { get; init; }
    public int RunCount { get; init; }
    public int Step { get; init; }
    public int Steps { get; init; }
    public DateTime? StartedUtc { get; init; }
    public bool Interrupted { get; init; }

    /// <summary>PNG of the first image of the current batch, decoded from the latents at <see cref="PreviewStep"/>.</summary>
    public byte[]? Preview { get; init; }

    /// <summary>Increases with every new preview, so a client can ask only for a newer one.</summary>
    public int PreviewId { get; init; }

    public int PreviewStep { get; init; }
    public int Queued { get; init; }

    public bool Active => JobId != null;

    /// <summary>Done share of the whole job in [0, 1]: finished runs plus the current run's steps.</summary>
    public double Fraction => !Active || RunCount == 0 || Steps == 0
        ? 0
        : Math.Clamp((RunIndex + (double)Step / Steps) / RunCount, 0, 1);

    /// <summary>Seconds left, extrapolated from the time so far; null before the first step.</summary>
    public double? EtaSeconds(DateTime nowUtc)
    {
        if (StartedUtc is not { } start || Fraction <= 0) return null;
        double elapsed = (nowUtc - start).TotalSeconds;
        return elapsed / Fraction - elapsed;
    }
}
