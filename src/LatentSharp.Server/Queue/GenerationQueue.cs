using LatentSharp.Pipelines;
using LatentSharp.Server.Operations;

namespace LatentSharp.Server.Queue;

/// <summary>
/// A bounded first-in-first-out queue of generation jobs with one worker thread. One job runs at a time:
/// LibTorch already spreads each step over all cores, so a second worker would only split them (and make
/// each job slower). A job whose client disconnects while waiting leaves the queue at once; one that is
/// running stops at the next step. The queue owns the jobs and disposes them once they are done.
/// Shutting down, it drains: new jobs are refused at once, waiting ones are released (503, for the client or
/// balancer to retry elsewhere), and the running one gets a grace period to finish.
/// </summary>
public sealed class GenerationQueue : IDisposable
{
    const int RememberedFinished = 256;

    readonly object gate = new();
    readonly LinkedList<GenerationJob> waiting = new();
    readonly Queue<string> finished = new();
    readonly SemaphoreSlim available = new(0);
    readonly CancellationTokenSource stopping = new();
    readonly ProgressTracker progress = new();
    readonly JobRunner runner;
    readonly Thread worker;
    GenerationJob? running;
    volatile bool draining;

    public GenerationQueue(StableDiffusionPipeline pipeline, int capacity, double previewTimeShare, ServerMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        runner = new JobRunner(pipeline, progress, previewTimeShare, metrics);
        worker = new Thread(Work) { IsBackground = true, Name = "LatentSharp generation worker" };
        worker.Start();
    }

    /// <summary>How many jobs may wait behind the running one.</summary>
    public int Capacity { get; }

    public int Waiting
    {
        get { lock (gate) return waiting.Count; }
    }

    /// <summary>Whether a job is running now.</summary>
    public bool Running
    {
        get { lock (gate) return running != null; }
    }

    /// <summary>Set once <see cref="DrainAsync"/> began: no new jobs are taken.</summary>
    public bool Draining => draining;

    /// <summary>Whether a new job would be taken now (not shutting down, and room to wait).</summary>
    public bool Accepting
    {
        get { lock (gate) return !draining && waiting.Count < Capacity; }
    }

    /// <summary>
    /// Queues a job; throws <see cref="QueueFullException"/> when <see cref="Capacity"/> jobs already wait, and
    /// <see cref="ServerStoppingException"/> once the queue is draining.
    /// </summary>
    public GenerationJob Enqueue(IReadOnlyList<GenerationRequest> runs, string? id, CancellationToken clientGone)
    {
        var job = new GenerationJob(id ?? Guid.NewGuid().ToString("N"), runs, clientGone);
        lock (gate)
        {
            if (draining || waiting.Count >= Capacity)
            {
                job.Dispose();
                throw draining ? new ServerStoppingException() : new QueueFullException(Capacity);
            }
            waiting.AddLast(job);
        }
        job.OnClientGone(() => Withdraw(job));
        available.Release();
        return job;
    }

    /// <summary>Stops the running job at its next step; it returns what it has. False when nothing runs.</summary>
    public bool InterruptCurrent()
    {
        lock (gate)
        {
            if (running is not { } job) return false;
            job.Interrupt();
            progress.Interrupted();
            return true;
        }
    }

    public ProgressSnapshot Progress() => progress.Snapshot(Waiting);

    public JobStatus StatusOf(string id)
    {
        lock (gate)
        {
            if (running?.Id == id) return new JobStatus(JobState.Running, 0);
            int position = 0;
            foreach (var job in waiting)
            {
                position++;
                if (job.Id == id) return new JobStatus(JobState.Queued, position);
            }
            return new JobStatus(finished.Contains(id) ? JobState.Finished : JobState.Unknown, 0);
        }
    }

    void Withdraw(GenerationJob job)
    {
        bool removed;
        lock (gate) removed = waiting.Remove(job);
        if (!removed) return;
        job.Cancel();
        job.Dispose();
    }

    void Work()
    {
        while (true)
        {
            try
            {
                available.Wait(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            GenerationJob? job;
            lock (gate)
            {
                job = waiting.First?.Value;
                if (job is null) continue;   // withdrawn while its signal was pending
                waiting.RemoveFirst();
                running = job;
            }
            runner.Run(job);
            lock (gate)
            {
                running = null;
                finished.Enqueue(job.Id);
                if (finished.Count > RememberedFinished) finished.Dequeue();
            }
            job.Dispose();
        }
    }

    /// <summary>
    /// Graceful shutdown: refuses new jobs, releases the waiting ones (they end cancelled: 503 + Retry-After),
    /// and gives the running job <paramref name="grace"/> to finish; past it, the job is stopped at its next
    /// step. Completes once the worker is idle. True when the running job (if any) finished in time.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan grace)
    {
        List<GenerationJob> released;
        GenerationJob? current;
        lock (gate)
        {
            draining = true;
            released = [.. waiting];
            waiting.Clear();
            current = running;
        }
        foreach (var job in released)
        {
            job.Cancel();
            job.Dispose();
        }
        if (current is null) return true;
        // The job is disposed by the worker once done, but its completion task stays valid.
        var done = current.Completion.ContinueWith(_ => { }, TaskScheduler.Default);
        if (await Task.WhenAny(done, Task.Delay(grace)) == done) return true;
        lock (gate)
        {
            if (running == current) current.Stop();
        }
        // The step in flight (and a VAE decode) cannot be cut short; the next step boundary stops the job.
        await done;
        return false;
    }

    public void Dispose()
    {
        draining = true;
        stopping.Cancel();
        List<GenerationJob> abandoned;
        lock (gate)
        {
            abandoned = [.. waiting];
            waiting.Clear();
            running?.Stop();
        }
        foreach (var job in abandoned)
        {
            job.Cancel();
            job.Dispose();
        }
        worker.Join();
        available.Dispose();
        stopping.Dispose();
    }
}

public enum JobState { Unknown, Queued, Running, Finished }

/// <summary>Where a job is; <see cref="Position"/> counts from 1 for the next to run.</summary>
public sealed record JobStatus(JobState State, int Position);
