using System.Net;
using LatentSharp.Pipelines;
using LatentSharp.Server.A1111;
using LatentSharp.Server.Http;
using LatentSharp.Server.OpenAI;
using LatentSharp.Server.Operations;
using LatentSharp.Server.Queue;
using LatentSharp.Server.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging.Console;

namespace LatentSharp.Server;

/// <summary>
/// The HTTP server around one loaded pipeline: Kestrel on the configured address, the AUTOMATIC1111 and
/// OpenAI APIs, the web page, the probes and metrics (/health, /ready, /metrics), and the generation queue.
/// The caller owns the pipeline.
/// </summary>
public sealed class LatentSharpServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ServerOptions options;
    readonly ILogger logger;

    LatentSharpServer(WebApplication app, ServerOptions options, GenerationQueue queue, ServerMetrics metrics, Uri address)
    {
        this.app = app;
        this.options = options;
        Queue = queue;
        Metrics = metrics;
        Address = address;
        logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LatentSharp.Server");
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:7860/ (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    public GenerationQueue Queue { get; }

    /// <summary>What GET /metrics reports.</summary>
    public ServerMetrics Metrics { get; }

    public static async Task<LatentSharpServer> StartAsync(StableDiffusionPipeline pipeline, ServerOptions options,
        CancellationToken cancellation = default)
    {
        var metrics = new ServerMetrics(pipeline.Model.Name);
        var queue = new GenerationQueue(pipeline, options.MaxQueue, options.PreviewTimeShare, metrics);
        metrics.Observe(queue);
        try
        {
            var app = Build(pipeline, options, queue, metrics, ServerAdapters.Load(pipeline, options, pipeline.Warn));
            await app.StartAsync(cancellation);
            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new LatentSharpServer(app, options, queue, metrics, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }

    static WebApplication Build(StableDiffusionPipeline pipeline, ServerOptions options, GenerationQueue queue, ServerMetrics metrics,
        ServerAdapters adapters)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        ConfigureLogging(builder, options.LogFormat);
        // Our own drain (WaitForShutdownAsync) finishes the jobs first; Kestrel then only waits for responses being written.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(ListenAddress(options.Host), options.Port);
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.ConfigureHttpJsonOptions(json => JsonOptions.Configure(json.SerializerOptions));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(pipeline);
        builder.Services.AddSingleton(queue);
        builder.Services.AddSingleton(adapters);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton<RequestChecks>();
        builder.Services.AddSingleton<A1111RequestMapper>();

        var app = builder.Build();
        app.UseRouting();
        app.UseRequestLog();
        app.UseJsonErrors(options);
        if (options.ApiKey is { } key) app.UseApiKey(key);
        app.MapProbes();
        app.MapA1111();
        app.MapA1111Adapters();
        app.MapOpenAI();
        app.MapEmbeddedAssets();
        return app;
    }

    /// <summary>Console logs on stderr (stdout stays for the program's own output): request lines and warnings.</summary>
    static void ConfigureLogging(WebApplicationBuilder builder, ServerLogFormat format)
    {
        builder.Logging.ClearProviders();
        if (format == ServerLogFormat.None) return;
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("LatentSharp", LogLevel.Information);
        builder.Logging.AddConsole(console =>
        {
            console.FormatterName = format == ServerLogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
            console.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        builder.Services.Configure<SimpleConsoleFormatterOptions>(text =>
        {
            text.SingleLine = true;
            text.UseUtcTimestamp = true;
            text.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });
    }

    static IPAddress ListenAddress(string host) =>
        host == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : throw new LatentSharpException($"--host must be an IP address such as 127.0.0.1 or 0.0.0.0 (got '{host}')");

    /// <summary>
    /// Serves until SIGTERM or Ctrl+C (the console lifetime) or <paramref name="cancellation"/>, then shuts down
    /// gracefully (<see cref="ShutdownAsync"/>).
    /// </summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellation = default)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(app.Lifetime.ApplicationStopping, cancellation);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await ShutdownAsync();
    }

    /// <summary>
    /// Graceful shutdown: /ready turns 503 and new jobs are refused with 503 + Retry-After at once (connections
    /// are still answered, while a balancer takes the replica out of rotation); waiting jobs are released the
    /// same way; the running job gets <see cref="ServerOptions.ShutdownGrace"/> to finish, then is stopped at
    /// its next step. Then Kestrel stops.
    /// </summary>
    public async Task ShutdownAsync()
    {
        int waiting = Queue.Waiting;
        bool running = Queue.Running;
        logger.LogInformation("shutting down: {Waiting} waiting jobs released, running job: {Running}, grace {GraceSeconds} s",
            waiting, running ? "yes" : "none", options.ShutdownGrace.TotalSeconds);
        bool finished = await Queue.DrainAsync(options.ShutdownGrace);
        if (running)
            logger.LogInformation(finished ? "the running job finished" : "the running job was stopped after the grace period");
        await app.StopAsync();
        logger.LogInformation("stopped");
    }

    public async ValueTask DisposeAsync()
    {
        // Jobs first: requests waiting on them then finish (503) instead of holding up the shutdown.
        Queue.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
