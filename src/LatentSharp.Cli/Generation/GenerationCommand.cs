using System.Diagnostics;
using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using static TorchSharp.torch;

namespace LatentSharp.Cli.Generation;

/// <summary>
/// What `sd generate`, `sd img2img` and `sd inpaint` share: the options, loading the model, the
/// progress bar, and writing the PNGs (with their parameters) and optional tensors. Every argument is
/// checked before the model is loaded, and files are written only after generation succeeded.
/// </summary>
public abstract class GenerationCommand : ICommand, IHasFlags
{
    public abstract string Name { get; }
    public abstract string Summary { get; }
    public string Usage => $"""
        usage: sd {Name} "PROMPT" {ModeUsage}[options]

        {Summary}

        options:
          --negative-prompt P   what to steer away from (default: empty = unconditional)
          --model PATH          diffusers folder or single-file .safetensors (default: the shipped model)
          --tokenizer DIR       CLIP tokenizer folder, for single files without one in the Hugging Face cache
          --precision P         fp32 or bf16 (bf16: about 2× faster on CPUs with native bf16, else falls back to fp32)
          --vae-tile N          decode in overlapping tiles of N latent pixels (e.g. 64 = 512 px): large images in less memory
          --scheduler NAME      {string.Join(" ", SchedulerFactory.Names)} (default: the model's own)
          --steps N             sampling steps (default 25)
          --guidance S          classifier-free guidance scale (default 7.5; ≤ 1 skips the unconditional pass)
          --seed N              image i of the batch uses seed N+i, as diffusers' CPU generators (default: random)
          --width W --height H  multiples of 8 (default: the model's / the input image's size)
          --batch N             images to generate (default 1)
          --clip-skip K         condition on the K-th text-encoder layer before the last (diffusers' clip_skip)
          --output PATH         .png file; a batch gets PATH-0.png, PATH-1.png, ... (default: outputs/DATE-SEED.png)
          --save-tensors FILE   also write the final latents and the decoded images (safetensors: latents, image)
        {ExtraUsage}
        """;

    protected virtual string ModeUsage => "";
    protected virtual string ExtraUsage => "";

    public virtual IReadOnlySet<string> Flags => new HashSet<string>();

    /// <summary>Adds the mode's own options (input image, mask, strength) to the request.</summary>
    protected abstract GenerationRequest AddModeOptions(GenerationRequest request, Arguments args);

    public int Run(Arguments args)
    {
        var (request, options) = Parse(args);
        string modelPath = options.Model ?? DefaultModel.Locate();
        var paths = OutputPaths.For(options.Output, Enumerable.Range(0, request.BatchSize).Select(i => request.Seed + i).ToList());

        TorchRuntime.Configure();
        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"loading {modelPath}");
        using var pipeline = StableDiffusionPipeline.Load(modelPath, options.Precision, options.Tokenizer,
            notice => Console.Error.WriteLine($"note: {notice}"));
        pipeline.Warn = message => Console.Error.WriteLine($"warning: {message}");
        pipeline.VaeTiling = VaeTileOption.Read(options.VaeTile);
        using var initialLatents = options.InitLatents is { } file ? ReadInitialLatents(file) : null;
        request = request with { InitialLatents = initialLatents };
        request = request with { BatchSize = initialLatents is null || options.BatchGiven ? request.BatchSize : (int)initialLatents.shape[0] };

        GenerationResult result;
        ProgressBar? bar = null;
        try
        {
            // The loop's length is the scheduler's (PNDM adds a step, img2img runs part of the schedule).
            result = pipeline.Generate(request, step => (bar ??= new ProgressBar("sampling", step.TotalSteps)).Report(step.Step));
        }
        finally
        {
            bar?.Dispose();
        }
        using (result)
        {
            for (int i = 0; i < result.Images.Count; i++)
            {
                PngWriter.Write(paths[i], result.Images[i], result.Parameters[i]);
                Console.WriteLine($"wrote {paths[i]} (seed {result.Seeds[i]})");
            }
            if (options.SaveTensors is { } tensorsPath)
            {
                SafetensorsWriter.Write(tensorsPath, new Dictionary<string, Tensor> { ["latents"] = result.Latents, ["image"] = result.Decoded });
                Console.WriteLine($"wrote {tensorsPath} (latents, image)");
            }
        }
        Console.Error.WriteLine($"done in {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    sealed record Options(string? Model, string? Tokenizer, string? Output, string? SaveTensors, string? InitLatents, bool BatchGiven,
        Precision Precision, int? VaeTile);

    (GenerationRequest, Options) Parse(Arguments args)
    {
        string prompt = args.Positional("the prompt (in quotes)");
        string? scheduler = args.String("scheduler");
        if (scheduler != null && !SchedulerFactory.Names.Contains(scheduler))
            throw new UsageException($"unknown scheduler '{scheduler}' (valid: {string.Join(", ", SchedulerFactory.Names)})");
        var request = new GenerationRequest
        {
            Prompt = prompt,
            NegativePrompt = args.String("negative-prompt", ""),
            Scheduler = scheduler,
            Steps = args.Int("steps", 25, 1, 1000),
            GuidanceScale = args.Double("guidance", 7.5, 0, 100),
            Seed = args.Long("seed", Random.Shared.NextInt64(0, uint.MaxValue)),
            Width = MultipleOf8(args, "width"),
            Height = MultipleOf8(args, "height"),
            BatchSize = args.Int("batch", 1, 1, 64),
            ClipSkip = args.Int("clip-skip", 0, 0, 12),
        };
        bool batchGiven = args.Has("batch");
        var options = new Options(args.String("model"), args.String("tokenizer"), args.String("output"),
            args.String("save-tensors"), args.String("init-latents"), batchGiven, PrecisionOption.Read(args),
            args.Has("vae-tile") ? args.Int("vae-tile", 0, VaeTileOption.Min, 4096) : null);
        if (options.InitLatents != null && Name != "generate") throw new UsageException("--init-latents is for text-to-image only");
        request = AddModeOptions(request, args);
        args.EnsureAllUsed();
        return (request, options);
    }

    static int? MultipleOf8(Arguments args, string name)
    {
        if (!args.Has(name)) return null;
        int value = args.Int(name, 0, 8, RequestValidation.MaxSide);
        return value % 8 == 0 ? value : throw new UsageException($"--{name} must be a multiple of 8 (got {value})");
    }

    static Tensor ReadInitialLatents(string path)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Contains("latents")) throw new CheckpointException(path, "has no tensor named 'latents'");
        var latents = file.Read("latents", ScalarType.Float32);
        if (latents.dim() != 4) throw new CheckpointException(path, $"'latents' must be [B, C, h, w], got [{string.Join(", ", latents.shape)}]");
        return latents;
    }

    /// <summary>Reads an input image, naming the option in the error.</summary>
    protected static RgbImage ReadImage(Arguments args, string option)
    {
        string path = args.Required(option);
        return ImageReader.Read(path);
    }
}
