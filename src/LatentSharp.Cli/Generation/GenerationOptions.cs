using System.CommandLine;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;

namespace LatentSharp.Cli.Generation;

/// <summary>
/// The prompt and options `sd generate`, `sd img2img` and `sd inpaint` share, declared once: each command adds
/// <see cref="All"/> and reads the request with <see cref="Request"/>. A new shared option is a field here, an entry
/// in <see cref="All"/> and a line in <see cref="Request"/> (or in <see cref="Loading"/> if it is about the model).
/// </summary>
public sealed class GenerationOptions
{
    public readonly Argument<string> Prompt = new("PROMPT") { Description = "what to draw (in quotes)" };

    public readonly Option<string?> NegativePrompt = CliOption.OptionalString("--negative-prompt",
        "what to steer away from (default: none, which is the empty prompt; SDXL conditions on zeros then, as diffusers)", "P");

    public readonly Option<string?> Prompt2 = CliOption.OptionalString("--prompt-2",
        "SDXL: the prompt for the second text encoder (diffusers' prompt_2; default: the prompt)", "P");

    public readonly Option<string?> NegativePrompt2 = CliOption.OptionalString("--negative-prompt-2",
        "SDXL: the negative prompt for the second text encoder (default: the negative prompt)", "P");

    public readonly Option<PixelSize?> OriginalSize = SizeOption("--original-size",
        "SDXL micro-conditioning: the size the image had before cropping (default: the image size)");

    public readonly Option<CropOffset?> CropTopLeft = CliOption.Parsed<CropOffset?>("--crop-top-left",
        "SDXL micro-conditioning: where the crop starts in the original image (default: 0,0)", "TOP,LEFT",
        text => CropOffset.TryParse(text) ?? throw new UsageException($"--crop-top-left must be TOP,LEFT in pixels, e.g. 0,256 (got '{text}')"));

    public readonly Option<PixelSize?> TargetSize = SizeOption("--target-size",
        "SDXL micro-conditioning: the size the image is meant to have (default: the image size)");

    public readonly Option<string?> TimestepSpacing = CliOption.Parsed<string?>("--timestep-spacing",
        $"{string.Join(", ", SchedulerConfig.TimestepSpacings)} (default: the model scheduler's; SDXL-Turbo: trailing)", "NAME",
        text => SchedulerConfig.TimestepSpacings.Contains(text)
            ? text : throw new UsageException($"--timestep-spacing must be {CliOption.OneOf(SchedulerConfig.TimestepSpacings)} (got '{text}')"));

    public readonly Option<string?> Model = CliOption.OptionalString("--model",
        "diffusers folder, single-file .safetensors or Hugging Face id org/name[@revision] (default: $LATENTSHARP_MODEL, else the shipped model)", "MODEL");

    public readonly Option<string?> Tokenizer = CliOption.OptionalString("--tokenizer",
        "CLIP tokenizer folder, for single files without one in the Hugging Face cache (SDXL: both tokenizers)", "DIR");

    public readonly Option<string?> ModelConfig = CliOption.OptionalString("--model-config",
        "for a single file whose configs cannot be inferred from its weights: a diffusers folder with its configs (and tokenizers)", "DIR");

    public readonly TextOption<Precision> Precision = PrecisionOption.Create(
        "fp32 or bf16 (bf16: half the memory; faster only where the CPU's bf16 kernels are, e.g. 2.3× on AMD Zen 4 but slower than fp32 on a Xeon without AMX — `sd bench --parts step` tells; falls back to fp32 without native bf16)");

    public readonly Option<int?> VaeTile = VaeTileOption.Create(
        "decode in overlapping tiles of N latent pixels (e.g. 64 = 512 px): large images in less memory");

    public readonly Option<string?> Scheduler = SchedulerOption();

    public readonly Option<int> Steps = CliOption.Int("--steps", "sampling steps", 25, 1, 1000);

    public readonly Option<double> Guidance = CliOption.Double("--guidance",
        "classifier-free guidance scale (≤ 1 skips the unconditional pass)", 7.5, 0, 100, helpName: "S");

    public readonly Option<long?> Seed = CliOption.OptionalLong("--seed",
        "image i of the batch uses seed N+i, as diffusers' CPU generators (default: random)");

    public readonly Option<int?> Width = MultipleOf8("--width", "W");
    public readonly Option<int?> Height = MultipleOf8("--height", "H");

    public readonly Option<int> Batch = CliOption.Int("--batch", "images to generate", 1, 1, 64);

    public readonly Option<int> ClipSkip = CliOption.Int("--clip-skip",
        "condition on the K-th text-encoder layer before the last (diffusers' clip_skip)", 0, 0, 12, helpName: "K");

    public readonly Option<string?> Output = CliOption.OptionalString("--output",
        ".png file; a batch gets PATH-0.png, PATH-1.png, ... (default: outputs/DATE-SEED.png)", "PATH");

    public readonly Option<string?> SaveTensors = CliOption.OptionalString("--save-tensors",
        "also write the final latents and the decoded images (safetensors: latents, image)", "FILE");

    public readonly AdapterOptions Adapters = new();

    public IEnumerable<Symbol> All =>
    [
        Prompt, NegativePrompt, Prompt2, NegativePrompt2, Model, ModelConfig, Tokenizer, Precision, VaeTile, Scheduler, TimestepSpacing, Steps, Guidance,
        Seed, Width, Height, Batch, ClipSkip, OriginalSize, CropTopLeft, TargetSize, Output, SaveTensors, .. Adapters.All,
    ];

    /// <summary>The request the options describe (the mode's own options are added by the command).</summary>
    public GenerationRequest Request(ParseResult parse) => new()
    {
        Prompt = parse.GetValue(Prompt)!,
        NegativePrompt = parse.GetValue(NegativePrompt),   // null when not given: SDXL's force_zeros_for_empty_prompt
        Scheduler = parse.GetValue(Scheduler),
        Steps = parse.GetValue(Steps),
        GuidanceScale = parse.GetValue(Guidance),
        Seed = parse.GetValue(Seed) ?? Random.Shared.NextInt64(0, uint.MaxValue),
        Width = parse.GetValue(Width),
        Height = parse.GetValue(Height),
        BatchSize = parse.GetValue(Batch),
        ClipSkip = parse.GetValue(ClipSkip),
        Prompt2 = parse.GetValue(Prompt2),
        NegativePrompt2 = parse.GetValue(NegativePrompt2),
        OriginalSize = parse.GetValue(OriginalSize),
        CropTopLeft = parse.GetValue(CropTopLeft),
        TargetSize = parse.GetValue(TargetSize),
        TimestepSpacing = parse.GetValue(TimestepSpacing),
        PromptSyntax = Adapters.Syntax(parse),
    };

    /// <summary>How to load the model: path, precision, tokenizer and (single files) the folder its configs come from.</summary>
    public (string Model, Precision Precision, string? Tokenizer, string? ConfigFolder) Loading(ParseResult parse) =>
        (parse.GetValue(Model) ?? DefaultModel.Locate(), Precision.Read(parse), parse.GetValue(Tokenizer), parse.GetValue(ModelConfig));

    static Option<PixelSize?> SizeOption(string name, string description) =>
        CliOption.Parsed<PixelSize?>(name, description, "WxH",
            text => PixelSize.TryParse(text) ?? throw new UsageException($"{name} must be WIDTHxHEIGHT in pixels, e.g. 1024x768 (got '{text}')"));

    static Option<int?> MultipleOf8(string name, string helpName) =>
        CliOption.Parsed<int?>(name, "multiple of 8 (default: the model's / the input image's size)", helpName, text =>
        {
            int value = int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int v)
                ? v : throw new UsageException($"{name} must be an integer (got '{text}')");
            if (value < 8 || value > RequestValidation.MaxSide)
                throw new UsageException($"{name} must be between 8 and {RequestValidation.MaxSide} (got {value})");
            return value % 8 == 0 ? value : throw new UsageException($"{name} must be a multiple of 8 (got {value})");
        });

    /// <summary>A sampler name; null: the model's own.</summary>
    public static Option<string?> SchedulerOption(string? defaultName = null)
    {
        var option = CliOption.Parsed<string?>("--scheduler",
            $"{string.Join(" ", SchedulerFactory.Names)}{(defaultName is null ? " (default: the model's own)" : "")}", "NAME",
            text => SchedulerFactory.Names.Contains(text)
                ? text : throw new UsageException($"unknown scheduler '{text}' (valid: {string.Join(", ", SchedulerFactory.Names)})"),
            defaultName is null ? null : () => defaultName);
        option.CompletionSources.Add(SchedulerFactory.Names.ToArray());
        return option;
    }
}
