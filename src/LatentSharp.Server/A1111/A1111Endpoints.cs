using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Server.Http;
using LatentSharp.Server.Queue;

namespace LatentSharp.Server.A1111;

/// <summary>
/// AUTOMATIC1111's /sdapi/v1 API: txt2img, img2img, progress, interrupt, samplers and sd-models, plus the web
/// UI's /internal/progress (per-task progress with live previews, which our page uses too).
/// </summary>
internal static class A1111Endpoints
{
    public static void MapA1111(this WebApplication app)
    {
        var api = app.MapGroup("/sdapi/v1");
        api.MapPost("/txt2img", async (HttpContext http, A1111RequestMapper mapper, GenerationQueue queue, StableDiffusionPipeline pipeline) =>
        {
            var request = await JsonBody.ReadAsync<Txt2ImgRequest>(http.Request);
            return await RunAsync(http, mapper.Txt2Img(request), request, request, queue, pipeline);
        });
        api.MapPost("/img2img", async (HttpContext http, A1111RequestMapper mapper, GenerationQueue queue, StableDiffusionPipeline pipeline) =>
        {
            var request = await JsonBody.ReadAsync<Img2ImgRequest>(http.Request);
            var plan = mapper.Img2Img(request);
            if (!request.IncludeInitImages)
            {
                // A1111 leaves the (large) input images out of the echoed parameters.
                request.InitImages = null;
                request.Mask = null;
            }
            return await RunAsync(http, plan, request, request, queue, pipeline);
        });
        api.MapGet("/progress", (GenerationQueue queue, bool? skip_current_image) => Progress(queue.Progress(), skip_current_image == true));
        api.MapPost("/interrupt", (GenerationQueue queue) =>
        {
            queue.InterruptCurrent();
            return Results.Json(new { });
        });
        api.MapGet("/samplers", () => SamplerNames.A1111Names
            .Select(name => new SamplerItem(name, [SamplerNames.FromA1111(name)!], new Dictionary<string, string>())));
        api.MapGet("/sd-models", (StableDiffusionPipeline pipeline) => new[]
        {
            new SdModelItem(pipeline.Model.Name, pipeline.Model.Name, null, null, pipeline.Model.SourcePath ?? pipeline.Model.Name, null),
        });
        app.MapPost("/internal/progress", async (HttpContext http, GenerationQueue queue) =>
            TaskProgress(queue, await JsonBody.ReadAsync<InternalProgressRequest>(http.Request)));
    }

    static async Task<IResult> RunAsync(HttpContext http, A1111Plan plan, ProcessingRequest request, object echoed,
        GenerationQueue queue, StableDiffusionPipeline pipeline)
    {
        var started = DateTime.Now;
        var outcome = await queue.Enqueue(plan.Runs, request.ForceTaskId, http.RequestAborted).Completion;
        var images = request.SendImages ? outcome.Images.Select(i => Convert.ToBase64String(i.EncodePng())).ToList() : [];
        string info = A1111Info.Build(plan, request, outcome, pipeline, started);
        return Results.Json(new ImageResponse(images, echoed, info), JsonOptions.Api);
    }

    static ProgressResponse Progress(ProgressSnapshot p, bool skipImage)
    {
        var now = DateTime.UtcNow;
        var state = new ProgressState(
            Skipped: false, Interrupted: p.Interrupted, StoppingGeneration: false, Job: p.JobId ?? "", JobCount: p.RunCount,
            JobTimestamp: p.StartedUtc?.ToLocalTime().ToString("yyyyMMddHHmmss") ?? "0", JobNo: p.RunIndex,
            SamplingStep: p.Step, SamplingSteps: p.Steps, Queued: p.Queued);
        string? image = !skipImage && p.Active && p.Preview is { } png ? Convert.ToBase64String(png) : null;
        return new ProgressResponse(p.Fraction, p.EtaSeconds(now) ?? 0, state, image, TextInfo(p));
    }

    static InternalProgressResponse TaskProgress(GenerationQueue queue, InternalProgressRequest request)
    {
        var status = queue.StatusOf(request.IdTask);
        var p = queue.Progress();
        bool running = status.State == JobState.Running && p.JobId == request.IdTask;
        bool newerPreview = running && request.LivePreview && p.Preview != null && p.PreviewId != request.IdLivePreview;
        return new InternalProgressResponse(
            Active: running,
            Queued: status.State == JobState.Queued,
            Completed: status.State == JobState.Finished,
            Progress: running ? p.Fraction : null,
            Eta: running ? p.EtaSeconds(DateTime.UtcNow) : null,
            LivePreview: newerPreview ? "data:image/png;base64," + Convert.ToBase64String(p.Preview!) : null,
            IdLivePreview: running ? p.PreviewId : null,
            Textinfo: status.State switch
            {
                JobState.Queued => $"Queued, position {status.Position}",
                JobState.Running => TextInfo(p),
                JobState.Finished => "Done",
                _ => "Waiting...",
            },
            QueuePosition: status.State == JobState.Queued ? status.Position : null);
    }

    static string? TextInfo(ProgressSnapshot p) => p.Active
        ? p.RunCount > 1 ? $"Batch {p.RunIndex + 1} of {p.RunCount}, step {p.Step}/{p.Steps}" : $"Step {p.Step}/{p.Steps}"
        : null;
}
