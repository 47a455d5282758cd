using Prometheus;

namespace LatentSharp.Server.Operations;

/// <summary>
/// The server's Prometheus metrics (GET /metrics). Each server has its own registry, so servers in one process
/// (the tests start many) never mix their counts. Names follow Prometheus' conventions: base units (seconds),
/// <c>_total</c> for counters, and the <c>latentsharp_</c> prefix; the process' own CPU, memory and GC figures
/// come with them (prometheus-net's DotNetStats).
/// </summary>
public sealed class ServerMetrics
{
    readonly Gauge queued, running, capacity, draining;
    readonly Counter images, steps, errors, jobs;
    readonly Histogram stepSeconds, requestSeconds;

    public ServerMetrics(string modelName)
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);

        queued = factory.CreateGauge("latentsharp_queue_length", "Generation jobs waiting behind the running one.");
        capacity = factory.CreateGauge("latentsharp_queue_capacity", "Jobs that may wait before requests are refused with 503 (--max-queue).");
        running = factory.CreateGauge("latentsharp_running_jobs", "Generation jobs running now (0 or 1: one at a time).");
        draining = factory.CreateGauge("latentsharp_draining", "1 once the server is shutting down and refuses new jobs.");
        factory.CreateGauge("latentsharp_model_info", "The loaded model (always 1; the model is a label).", "model").WithLabels(modelName).Set(1);

        images = factory.CreateCounter("latentsharp_images_generated_total", "Images generated (partly denoised images of interrupted jobs included).");
        steps = factory.CreateCounter("latentsharp_steps_total", "Denoising steps run (one per batch, whatever its size).");
        jobs = factory.CreateCounter("latentsharp_jobs_total", "Generation jobs that left the worker, by outcome.", "outcome");
        errors = factory.CreateCounter("latentsharp_errors_total", "Requests answered with an error, by kind.", "kind");

        // 5 ms .. 41 s: a tiny model's step on 2 cores to an SDXL step.
        stepSeconds = factory.CreateHistogram("latentsharp_step_duration_seconds", "Time of one denoising step (U-Net, guidance and sampler; from the second step of a run on, as the first also holds the prompt encoding).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        // 1 ms .. 17 min: /health to a long queued batch.
        requestSeconds = factory.CreateHistogram("latentsharp_request_duration_seconds", "Time from request to response, by route and status.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 21), LabelNames = ["method", "route", "status"] });

        // Every outcome and kind exists from the start (at 0), so rate() and alerts work before the first one happens.
        foreach (var outcome in Enum.GetValues<JobOutcomeKind>()) jobs.WithLabels(Label(outcome));
        foreach (var kind in Enum.GetValues<ErrorKind>()) errors.WithLabels(Label(kind));
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Reads the queue's gauges at every scrape (they are states, not events).</summary>
    internal void Observe(Queue.GenerationQueue queue) => Registry.AddBeforeCollectCallback(() =>
    {
        queued.Set(queue.Waiting);
        capacity.Set(queue.Capacity);
        running.Set(queue.Running ? 1 : 0);
        draining.Set(queue.Draining ? 1 : 0);
    });

    /// <summary>One step done; <paramref name="duration"/> null when it cannot be told apart from the run's setup.</summary>
    internal void StepFinished(TimeSpan? duration)
    {
        steps.Inc();
        if (duration is { } d) stepSeconds.Observe(d.TotalSeconds);
    }

    internal void JobFinished(JobOutcomeKind outcome, int imageCount)
    {
        jobs.WithLabels(Label(outcome)).Inc();
        if (imageCount > 0) images.Inc(imageCount);
    }

    internal void Error(ErrorKind kind) => errors.WithLabels(Label(kind)).Inc();

    internal void RequestFinished(string method, string route, int status, TimeSpan duration) =>
        requestSeconds.WithLabels(method, route, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Observe(duration.TotalSeconds);

    /// <summary>The text exposition format, as Prometheus scrapes it.</summary>
    public Task WriteAsync(Stream stream, CancellationToken cancellation) => Registry.CollectAndExportAsTextAsync(stream, cancellation);

    /// <summary>"QueueFull" → "queue_full".</summary>
    static string Label<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}

/// <summary>How a job left the worker.</summary>
public enum JobOutcomeKind
{
    /// <summary>All its images were generated.</summary>
    Completed,
    /// <summary>Stopped by /sdapi/v1/interrupt; it returned the partly denoised images.</summary>
    Interrupted,
    /// <summary>Its client went away, or the server stopped it while shutting down.</summary>
    Cancelled,
    /// <summary>The pipeline threw (a bug or an unusable request the checks missed).</summary>
    Failed,
}

/// <summary>Why a request got an error (the <c>kind</c> label of <c>latentsharp_errors_total</c>).</summary>
public enum ErrorKind
{
    /// <summary>400: a field out of range, malformed JSON, an unreadable image.</summary>
    BadRequest,
    /// <summary>401: a missing or wrong API key.</summary>
    Unauthorized,
    /// <summary>413: a body over the limit.</summary>
    TooLarge,
    /// <summary>503: the queue was full.</summary>
    QueueFull,
    /// <summary>503: the server was shutting down.</summary>
    ShuttingDown,
    /// <summary>500: an unexpected failure (a failed job is also counted in <c>latentsharp_jobs_total{outcome="failed"}</c>).</summary>
    Internal,
}
