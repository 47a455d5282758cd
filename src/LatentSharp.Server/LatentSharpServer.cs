using System.Net;
using LatentSharp.Pipelines;
using LatentSharp.Server.A1111;
using LatentSharp.Server.Http;
using LatentSharp.Server.OpenAI;
using LatentSharp.Server.Queue;
using LatentSharp.Server.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LatentSharp.Server;

/// <summary>
/// The HTTP server around one loaded pipeline: Kestrel on the configured address, the AUTOMATIC1111 and
/// OpenAI APIs, the web page, and the generation queue. The caller owns the pipeline.
/// </summary>
public sealed class LatentSharpServer : IAsyncDisposable
{
    readonly WebApplication app;

    LatentSharpServer(WebApplication app, GenerationQueue queue, Uri address)
    {
        this.app = app;
        Queue = queue;
        Address = address;
    }

    /// <summary>Where the server listens, e.g. http://127.0.0.1:7860/ (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    public GenerationQueue Queue { get; }

    public static async Task<LatentSharpServer> StartAsync(StableDiffusionPipeline pipeline, ServerOptions options,
        CancellationToken cancellation = default)
    {
        var queue = new GenerationQueue(pipeline, options.MaxQueue, options.PreviewTimeShare);
        try
        {
            var app = Build(pipeline, options, queue, ServerAdapters.Load(pipeline, options, pipeline.Warn));
            await app.StartAsync(cancellation);
            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new LatentSharpServer(app, queue, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }

    static WebApplication Build(StableDiffusionPipeline pipeline, ServerOptions options, GenerationQueue queue, ServerAdapters adapters)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
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
        builder.Services.AddSingleton<RequestChecks>();
        builder.Services.AddSingleton<A1111RequestMapper>();

        var app = builder.Build();
        app.UseJsonErrors(options);
        if (options.ApiKey is { } key) app.UseApiKey(key);
        app.MapA1111();
        app.MapA1111Adapters();
        app.MapOpenAI();
        app.MapEmbeddedAssets();
        return app;
    }

    static IPAddress ListenAddress(string host) =>
        host == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : throw new LatentSharpException($"--host must be an IP address such as 127.0.0.1 or 0.0.0.0 (got '{host}')");

    /// <summary>Blocks until the app is stopped (Ctrl+C / SIGTERM with the console lifetime, or <paramref name="cancellation"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellation = default) => app.WaitForShutdownAsync(cancellation);

    public async ValueTask DisposeAsync()
    {
        // Jobs first: requests waiting on them then finish (503) instead of holding up the shutdown.
        Queue.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
