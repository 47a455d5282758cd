using System.Diagnostics;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Server.Operations;
using static TorchSharp.torch;

namespace LatentSharp.Server.Queue;

/// <summary>
/// Runs one job on the pipeline, on the worker thread: its runs in order, progress and live previews after
/// each step, and on interrupt the partly denoised images of the current run (what AUTOMATIC1111 returns).
/// Completes the job; never throws. Counts steps, their times and the job's outcome in the metrics, if any.
/// </summary>
internal sealed class JobRunner(StableDiffusionPipeline pipeline, ProgressTracker progress, double previewShare, ServerMetrics? metrics)
{
    /// <summary>Previews are made only while someone asked for progress this recently.</summary>
    static readonly TimeSpan WatchedWithin = TimeSpan.FromSeconds(2);

    readonly PreviewBudget budget = new(previewShare);

    /// <summary>Since the previous step ended (previews excluded); restarted when a run begins.</summary>
    readonly Stopwatch stepClock = new();

    public void Run(GenerationJob job)
    {
        progress.Begin(job);
        try
        {
            var outcome = Generate(job);
            job.Complete(outcome);
            metrics?.JobFinished(outcome.Interrupted ? JobOutcomeKind.Interrupted : JobOutcomeKind.Completed, outcome.Images.Count);
        }
        catch (OperationCanceledException)
        {
            job.Cancel();
            metrics?.JobFinished(JobOutcomeKind.Cancelled, 0);
        }
        catch (Exception e)
        {
            job.Fail(e);
            metrics?.JobFinished(JobOutcomeKind.Failed, 0);
        }
        finally
        {
            progress.End();
        }
    }

    JobOutcome Generate(GenerationJob job)
    {
        // Frees whatever a cancelled run leaves behind, so a long-running server does not grow.
        using var scope = NewDisposeScope();
        var images = new List<GeneratedImage>();
        budget.StartJob();
        for (int i = 0; i < job.Runs.Count && !job.Interrupted; i++)
        {
            progress.BeginRun(i);
            var run = job.Runs[i];
            using var latest = new LatestLatents();
            stepClock.Restart();
            try
            {
                using var result = pipeline.Generate(run, step => OnStep(step, latest), job.Cancellation);
                images.AddRange(result.Images.Select((image, k) => new GeneratedImage(image, result.Parameters[k])));
            }
            catch (OperationCanceledException) when (job.Interrupted)
            {
                images.AddRange(PartlyDenoised(run, latest));
            }
        }
        return new JobOutcome(images, job.Interrupted);
    }

    void OnStep(StepProgress step, LatestLatents latest)
    {
        // The first step's time also holds the prompt encoding and the initial latents: only steps 2.. are timed.
        if (step.Step > 1) metrics?.StepFinished(stepClock.Elapsed);
        else metrics?.StepFinished(null);
        latest.Keep(step.Latents);
        progress.Stepped(step.Step, step.TotalSteps);
        // The last step's image is the result itself; no preview needed.
        if (step.Step < step.TotalSteps && budget.Allows(progress.WatchedWithin(WatchedWithin))) Preview(step);
        stepClock.Restart();
    }

    void Preview(StepProgress step)
    {
        var clock = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            var image = ImageTensors.FromUnitRange(pipeline.DecodeLatents(step.Latents.narrow(0, 0, 1)))[0];
            progress.Previewed(PngWriter.Encode(image), step.Step);
        }
        budget.Spend(clock.Elapsed);
    }

    IEnumerable<GeneratedImage> PartlyDenoised(GenerationRequest run, LatestLatents latest)
    {
        if (latest.Latents is not { } latents) return [];
        using var scope = NewDisposeScope();
        var images = ImageTensors.FromUnitRange(pipeline.DecodeLatents(latents));
        return images.Select((image, k) => new GeneratedImage(image, pipeline.Describe(run, k))).ToList();
    }

    /// <summary>A copy of the latents after the latest step (the step callback's tensor lives only during the call).</summary>
    sealed class LatestLatents : IDisposable
    {
        public Tensor? Latents { get; private set; }

        public void Keep(Tensor latents)
        {
            var copy = latents.detach().clone();
            copy.DetachFromDisposeScope();
            Latents?.Dispose();
            Latents = copy;
        }

        public void Dispose() => Latents?.Dispose();
    }
}
