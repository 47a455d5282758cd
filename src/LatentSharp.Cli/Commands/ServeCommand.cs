using System.CommandLine;
using System.Globalization;
using LatentSharp.Cli.Generation;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Server;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd serve`: loads the model once and serves the AUTOMATIC1111 and OpenAI APIs and the web page.</summary>
public sealed class ServeCommand : SdCommand
{
    readonly Option<string?> model = CliOption.OptionalString("--model",
        "diffusers folder, single-file .safetensors or Hugging Face id org/name[@revision] (default: $LATENTSHARP_MODEL, else the shipped model)", "MODEL");
    readonly Option<string?> tokenizer = CliOption.OptionalString("--tokenizer", "CLIP tokenizer folder, for single files without one", "DIR");
    readonly TextOption<Precision> precision = PrecisionOption.Create(
        "fp32 or bf16 (bf16: half the memory, SDXL in 7 GB instead of 14; falls back to fp32 without native CPU bf16)");
    readonly Option<string> host = CliOption.String("--host", "address to listen on (0.0.0.0 exposes it to the network)", "127.0.0.1", helpName: "ADDR");
    readonly Option<int> port = CliOption.Int("--port", "port (AUTOMATIC1111's by default)", 7860, 0, 65535);
    readonly Option<string?> apiKey = CliOption.Parsed<string?>("--api-key",
        "require this key: \"Authorization: Bearer KEY\", or Basic auth with it as the password (default: $LATENTSHARP_API_KEY, else no key)",
        "KEY", text => text.Length > 0 ? text : throw new UsageException("--api-key must not be empty"));
    readonly Option<int> maxQueue = CliOption.Int("--max-queue", "jobs that may wait behind the running one; more get 503", 16, 0, 10_000);
    readonly Option<int> maxSteps = CliOption.Int("--max-steps", "largest steps a request may ask for", 150, 1, RequestValidation.MaxSteps);
    readonly TextOption<(int Width, int Height)> maxSize = new("--max-size", "largest image size", "WxH", Size, "1024x1024");
    readonly Option<int> maxImages = CliOption.Int("--max-images", "largest images per request, n_iter × batch_size", 16, 1, 64);
    readonly Option<string?> loraDir = CliOption.OptionalString("--lora-dir",
        "folder of LoRAs that <lora:NAME:SCALE> in prompts refers to (A1111's models/Lora); /sdapi/v1/loras lists it", "DIR");
    readonly Option<string?> embeddingsDir = CliOption.OptionalString("--embeddings-dir",
        "folder of textual-inversion embeddings, each called by its file name (A1111's embeddings/)", "DIR");
    readonly Option<int> shutdownGrace = CliOption.Int("--shutdown-grace",
        "on SIGTERM or Ctrl+C, seconds the running job may take to finish before it is stopped", 25, 0, 3600, "SECONDS");
    readonly TextOption<ServerLogFormat> logFormat = CliOption.Choice("--log-format",
        "request and server logs on stderr: text lines, one JSON object per line, or none",
        new Dictionary<string, ServerLogFormat> { ["text"] = ServerLogFormat.Text, ["json"] = ServerLogFormat.Json, ["none"] = ServerLogFormat.None },
        "text");

    public ServeCommand() : base("serve", "serve the model over HTTP: AUTOMATIC1111- and OpenAI-compatible APIs and a web page", """
        Loads the model once and serves, until Ctrl+C:
          /                              the web page
          /sdapi/v1/txt2img, img2img     AUTOMATIC1111's API (also progress, interrupt, samplers, sd-models,
                                         loras, refresh-loras, embeddings); prompts in A1111's syntax
          /v1/images/generations         OpenAI's image API (response_format b64_json)
          /health, /ready, /metrics      liveness, readiness (503 when the queue is full) and Prometheus metrics
        SIGTERM drains: new and waiting requests get 503 + Retry-After, the running job gets --shutdown-grace to finish.
        """)
    {
        foreach (var option in new Option[] { model, tokenizer, precision, host, port, apiKey, maxQueue, maxSteps, maxSize, maxImages, loraDir, embeddingsDir,
                     shutdownGrace, logFormat }) Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        var (options, modelPath, tokenizerPath) = Read(parse);
        var servedPrecision = precision.Read(parse);
        modelPath = HubModelArgument.Resolve(modelPath, preferHalfPrecision: servedPrecision != Precision.Fp32);
        using var pipeline = ModelLoading.Load(modelPath, servedPrecision, tokenizerPath);
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

    /// <summary>The server options and model <paramref name="args"/> ask for (a bad argument is a <see cref="UsageException"/>).</summary>
    public static (ServerOptions Options, string ModelPath, string? Tokenizer) Parse(IReadOnlyList<string> args)
    {
        var command = new ServeCommand();
        var parse = ((Command)command).Parse(args);
        if (parse.Errors.Count > 0) throw new UsageException(ParseErrors.Describe(parse));
        return command.Read(parse);
    }

    /// <summary>Every argument is checked before the model loads.</summary>
    (ServerOptions Options, string ModelPath, string? Tokenizer) Read(ParseResult parse)
    {
        var (maxWidth, maxHeight) = maxSize.Read(parse);
        var options = new ServerOptions
        {
            Host = parse.GetValue(host)!,
            Port = parse.GetValue(port),
            ApiKey = parse.GetValue(apiKey) ?? NonEmpty(Environment.GetEnvironmentVariable("LATENTSHARP_API_KEY")),
            MaxQueue = parse.GetValue(maxQueue),
            MaxSteps = parse.GetValue(maxSteps),
            MaxWidth = maxWidth,
            MaxHeight = maxHeight,
            MaxImages = parse.GetValue(maxImages),
            LoraDir = Folder(parse.GetValue(loraDir), "--lora-dir"),
            EmbeddingsDir = Folder(parse.GetValue(embeddingsDir), "--embeddings-dir"),
            ShutdownGrace = TimeSpan.FromSeconds(parse.GetValue(shutdownGrace)),
            LogFormat = logFormat.Read(parse),
        };
        return (options, parse.GetValue(model) ?? DefaultModel.Locate(), parse.GetValue(tokenizer));
    }

    static string? Folder(string? path, string option) =>
        path is null || Directory.Exists(path) ? path : throw new LatentSharpException($"{option}: {path} is not a folder");

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
