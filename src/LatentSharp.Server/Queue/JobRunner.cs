using System.Diagnostics;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using static TorchSharp.torch;

namespace LatentSharp.Server.Queue;

/// <summary>
/// Runs one job on the pipeline, on the worker thread: its runs in order, progress and live previews after
/// each step, and on interrupt the partly denoised images of the current run (what AUTOMATIC1111 returns).
/// Completes the job; never throws.
/// </summary>
internal sealed class JobRunner(StableDiffusionPipeline pipeline, ProgressTracker progress, double previewShare)
{
    /// <summary>Previews are made only while someone asked for progress this recently.</summary>
    static readonly TimeSpan WatchedWithin = TimeSpan.FromSeconds(2);

    readonly PreviewBudget budget = new(previewShare);

    public void Run(GenerationJob job)
    {
        progress.Begin(job);
        try
        {
            job.Complete(Generate(job));
        }
        catch (OperationCanceledException)
        {
            job.Cancel();
        }
        catch (Exception e)
        {
            job.Fail(e);
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
        latest.Keep(step.Latents);
        progress.Stepped(step.Step, step.TotalSteps);
        // The last step's image is the result itself; no preview needed.
        if (step.Step < step.TotalSteps && budget.Allows(progress.WatchedWithin(WatchedWithin))) Preview(step);
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
