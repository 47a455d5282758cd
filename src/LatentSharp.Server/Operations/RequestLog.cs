using System.Diagnostics;
using Microsoft.AspNetCore.Routing.Patterns;

namespace LatentSharp.Server.Operations;

/// <summary>
/// One structured log entry per request (method, path, route, status, duration, client address) and the request
/// duration histogram. It sits just after routing, so it knows the route template (a bounded label, unlike
/// the path) even when the exception handler later clears the endpoint to write an error.
/// </summary>
internal static partial class RequestLog
{
    /// <summary>The log category, so operators can filter request lines (e.g. Logging__LogLevel__LatentSharp.Requests).</summary>
    public const string Category = "LatentSharp.Requests";

    public static void UseRequestLog(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        var metrics = app.Services.GetRequiredService<ServerMetrics>();
        app.Use(async (context, next) =>
        {
            string route = RouteOf(context.GetEndpoint());
            long start = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                // A client that went away never sees a status; 499 is the usual name for that (nginx's).
                int status = context.RequestAborted.IsCancellationRequested ? 499 : context.Response.StatusCode;
                metrics.RequestFinished(context.Request.Method, route, status, elapsed);
                Served(logger, context.Request.Method, context.Request.Path.Value ?? "", route, status,
                    Math.Round(elapsed.TotalMilliseconds, 1), context.Connection.RemoteIpAddress?.ToString() ?? "", context.TraceIdentifier);
            }
        });
    }

    static string RouteOf(Endpoint? endpoint) => endpoint switch
    {
        RouteEndpoint route => RoutePatternText(route.RoutePattern),
        null => "unmatched",
        _ => endpoint.DisplayName ?? "unmatched",
    };

    static string RoutePatternText(RoutePattern pattern) => pattern.RawText is { } raw ? (raw.StartsWith('/') ? raw : "/" + raw) : "unmatched";

    [LoggerMessage(EventId = 1, EventName = "Request", Level = LogLevel.Information,
        Message = "{Method} {Path} {Status} {DurationMs} ms route={Route} client={Client} id={RequestId}")]
    static partial void Served(ILogger logger, string method, string path, string route, int status, double durationMs, string client, string requestId);
}
