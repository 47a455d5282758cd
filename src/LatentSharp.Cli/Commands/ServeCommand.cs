using System.Globalization;
using LatentSharp.Cli.Generation;
using LatentSharp.Pipelines;
using LatentSharp.Server;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd serve`: loads the model once and serves the AUTOMATIC1111 and OpenAI APIs and the web page.</summary>
public sealed class ServeCommand : ICommand
{
    public string Name => "serve";
    public string Summary => "serve the model over HTTP: AUTOMATIC1111- and OpenAI-compatible APIs and a web page";

    public string Usage => """
        usage: sd serve [options]

        Loads the model once and serves, until Ctrl+C:
          /                              the web page
          /sdapi/v1/txt2img, img2img     AUTOMATIC1111's API (also progress, interrupt, samplers, sd-models)
          /v1/images/generations         OpenAI's image API (response_format b64_json)

        options:
          --model PATH          diffusers folder or single-file .safetensors (default: the shipped model)
          --tokenizer DIR       CLIP tokenizer folder, for single files without one
          --host ADDR           address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to the network)
          --port N              (default 7860, AUTOMATIC1111's)
          --api-key KEY         require this key: "Authorization: Bearer KEY", or Basic auth with it as the password
                                (default: $LATENTSHARP_API_KEY, else no key)
          --max-queue N         jobs that may wait behind the running one; more get 503 (default 16)
          --max-steps N         largest steps a request may ask for (default 150)
          --max-size WxH        largest image size (default 1024x1024)
          --max-images N        largest images per request, n_iter × batch_size (default 16)
        """;

    public int Run(Arguments args)
    {
        var (options, modelPath, tokenizer) = Parse(args);
        Console.Error.WriteLine($"loading {modelPath}");
        using var pipeline = StableDiffusionPipeline.Load(modelPath, tokenizerPath: tokenizer);
        pipeline.Warn = message => Console.Error.WriteLine($"warning: {message}");
        return Serve(pipeline, options).GetAwaiter().GetResult();
    }

    static async Task<int> Serve(StableDiffusionPipeline pipeline, ServerOptions options)
    {
        await using var server = await LatentSharpServer.StartAsync(pipeline, options);
        Console.WriteLine($"serving {pipeline.Model.Name} on {server.Address} (Ctrl+C to stop)");
        if (options.ApiKey is null && options.Host is not ("127.0.0.1" or "localhost" or "::1"))
            Console.Error.WriteLine($"warning: listening on {options.Host} without --api-key: anyone who can reach it can use it");
        await server.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The server options and model the arguments ask for; every argument is checked before the model loads.</summary>
    public static (ServerOptions Options, string ModelPath, string? Tokenizer) Parse(Arguments args)
    {
        var (maxWidth, maxHeight) = Size(args.String("max-size", "1024x1024"));
        var options = new ServerOptions
        {
            Host = args.String("host", "127.0.0.1"),
            Port = args.Int("port", 7860, 0, 65535),
            ApiKey = args.String("api-key") ?? NonEmpty(Environment.GetEnvironmentVariable("LATENTSHARP_API_KEY")),
            MaxQueue = args.Int("max-queue", 16, 0, 10_000),
            MaxSteps = args.Int("max-steps", 150, 1, RequestValidation.MaxSteps),
            MaxWidth = maxWidth,
            MaxHeight = maxHeight,
            MaxImages = args.Int("max-images", 16, 1, 64),
        };
        if (options.ApiKey is { Length: 0 }) throw new UsageException("--api-key must not be empty");
        string? model = args.String("model");
        string? tokenizer = args.String("tokenizer");
        args.EnsureAllUsed();
        return (options, model ?? DefaultModel.Locate(), tokenizer);
    }

    static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    static (int Width, int Height) Size(string value)
    {
        var parts = value.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && w >= 8 && h >= 8 && w <= RequestValidation.MaxSide && h <= RequestValidation.MaxSide)
            return (w, h);
        throw new UsageException($"--max-size must be WIDTHxHEIGHT between 8 and {RequestValidation.MaxSide} (got '{value}')");
    }
}
