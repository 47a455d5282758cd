using LatentSharp.Pipelines;
using LatentSharp.Server.Queue;

namespace LatentSharp.Server.Operations;

/// <summary>
/// What an orchestrator asks: <c>GET /health</c> (the process is alive and serving HTTP: a liveness probe),
/// <c>GET /ready</c> (the model is loaded and a new job would be taken: a readiness probe; 503 with Retry-After
/// while the queue is full or the server is shutting down, so a balancer sends the request elsewhere) and
/// <c>GET /metrics</c> (Prometheus' text format).
/// </summary>
internal static class ProbeEndpoints
{
    public static void MapProbes(this WebApplication app)
    {
        app.MapGet("/health", () => Results.Json(new { status = "alive" }));
        app.MapGet("/ready", (HttpContext http, GenerationQueue queue, StableDiffusionPipeline pipeline, ServerOptions options) =>
        {
            // The server starts only once its pipeline is loaded, so "loaded" is a given here; the queue decides.
            bool ready = queue.Accepting;
            string status = ready ? "ready" : queue.Draining ? "draining" : "busy";
            if (!ready) http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString();
            return Results.Json(new
            {
                status,
                model = pipeline.Model.Name,
                running = queue.Running ? 1 : 0,
                queued = queue.Waiting,
                capacity = queue.Capacity,
            }, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async (HttpContext http, ServerMetrics metrics) =>
        {
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(http.Response.Body, http.RequestAborted);
        });
    }
}
