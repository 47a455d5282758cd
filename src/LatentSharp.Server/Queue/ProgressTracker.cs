namespace LatentSharp.Server.Queue;

/// <summary>
/// The worker's progress, written by the worker thread and read by any request thread as immutable snapshots.
/// </summary>
internal sealed class ProgressTracker
{
    readonly object gate = new();
    ProgressSnapshot current = new();
    int previewId;
    long lastWatched;   // Environment.TickCount64 of the last request for progress; 0 = never

    /// <summary>The current progress; asking counts as watching (see <see cref="WatchedWithin"/>).</summary>
    public ProgressSnapshot Snapshot(int queued)
    {
        Interlocked.Exchange(ref lastWatched, Environment.TickCount64);
        lock (gate) return current with { Queued = queued };
    }

    /// <summary>Whether anyone asked for progress within <paramref name="time"/>: live previews are for watchers.</summary>
    public bool WatchedWithin(TimeSpan time) =>
        Interlocked.Read(ref lastWatched) is var last && last != 0 && Environment.TickCount64 - last <= time.TotalMilliseconds;

    public void Begin(GenerationJob job) =>
        Set(_ => new ProgressSnapshot { JobId = job.Id, RunCount = job.Runs.Count, StartedUtc = DateTime.UtcNow, PreviewId = previewId });

    public void BeginRun(int index) => Set(s => s with { RunIndex = index, Step = 0, Steps = 0 });

    public void Stepped(int step, int steps) => Set(s => s with { Step = step, Steps = steps });

    public void Interrupted() => Set(s => s with { Interrupted = true });

    public void Previewed(byte[] png, int step) => Set(s => s with { Preview = png, PreviewId = ++previewId, PreviewStep = step });

    public void End() => Set(_ => new ProgressSnapshot { PreviewId = previewId });

    void Set(Func<ProgressSnapshot, ProgressSnapshot> change)
    {
        lock (gate) current = change(current);
    }
}
