using LatentSharp.Adapters;
using LatentSharp.Autoencoder;
using LatentSharp.Layers;
using LatentSharp.Performance;
using LatentSharp.Text;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// A Stable Diffusion model in memory: text encoder(s), U-Net and autoencoder, with the scheduler config and
/// tokenizer folder(s) that came with it. Load one from a diffusers folder or an original single file, build
/// one from configs, and save it as a diffusers folder.
/// </summary>
public sealed class StableDiffusionModel : IDisposable
{
    /// <param name="textEncoder2">SDXL's second text encoder; null for SD 1.x/2.x.</param>
    /// <param name="tokenizer2Path">SDXL's tokenizer_2 folder; null: the first tokenizer's files, padding with "!" as tokenizer_2 does.</param>
    public StableDiffusionModel(StableDiffusionConfigSet configs, ClipTextModel textEncoder, UNet2DConditionModel unet,
        AutoencoderKL vae, string name, string? sourcePath = null, string? tokenizerPath = null,
        ClipTextModelWithProjection? textEncoder2 = null, string? tokenizer2Path = null)
    {
        if ((configs.Kind == StableDiffusionKind.Sdxl) != (textEncoder2 != null))
            throw new ArgumentException("an SDXL model has a second text encoder, and only an SDXL model has one", nameof(textEncoder2));
        Configs = configs with { TextEncoder = textEncoder.Config, Unet = unet.Config, Vae = vae.Config, TextEncoder2 = textEncoder2?.Config };
        TextEncoder = textEncoder;
        TextEncoder2 = textEncoder2;
        Tokenizer2Path = tokenizer2Path;
        Unet = unet;
        Vae = vae;
        Name = name;
        SourcePath = sourcePath;
        TokenizerPath = tokenizerPath;
    }

    public StableDiffusionConfigSet Configs { get; }
    public StableDiffusionKind Kind => Configs.Kind;
    public ClipTextModel TextEncoder { get; }

    /// <summary>SDXL's text_encoder_2 (OpenCLIP ViT-bigG text tower with projection); null for SD 1.x/2.x.</summary>
    public ClipTextModelWithProjection? TextEncoder2 { get; }
    public UNet2DConditionModel Unet { get; }
    public AutoencoderKL Vae { get; }

    /// <summary>The LoRAs merged into the weights (none after loading); <see cref="ModelLoras.Set"/> changes them.</summary>
    public ModelLoras Loras => loras ??= new ModelLoras(this);
    ModelLoras? loras;

    /// <summary>The networks' precision, from the U-Net's parameter dtype.</summary>
    public Precision Precision => Unet.parameters().First().dtype == ScalarType.BFloat16 ? Precision.Bf16 : Precision.Fp32;

    /// <summary>The scheduler's config.json text, for the schedulers' SchedulerConfig.</summary>
    public string SchedulerConfigJson => Configs.SchedulerConfigJson;

    /// <summary>The model's name (its folder or file name).</summary>
    public string Name { get; }

    /// <summary>Where the model was loaded from; null for a model built in memory.</summary>
    public string? SourcePath { get; }

    /// <summary>The diffusers folder whose configs described the single file at <see cref="SourcePath"/>; null when inferred or a folder.</summary>
    public string? ConfigFolder { get; init; }

    /// <summary>The CLIP tokenizer folder (vocab.json, merges.txt), or null when none was found.</summary>
    public string? TokenizerPath { get; }

    /// <summary>SDXL's tokenizer_2 folder when the model has its own; null: <see cref="TokenizerPath"/>'s files padded with "!".</summary>
    public string? Tokenizer2Path { get; }

    /// <summary>Loads a diffusers pipeline folder or an original SD 1.x/2.x single-file .safetensors.</summary>
    /// <param name="dtype">Parameter dtype (weights are converted while reading, one tensor at a time).</param>
    /// <param name="tokenizerPath">A CLIP tokenizer folder, overriding the model's own or the one looked up in the Hugging Face cache.</param>
    /// <returns>Frozen models (no gradients) in eval mode.</returns>
    /// <param name="progress">Called after each tensor read (stored bytes read so far and in all), for a progress bar.</param>
    /// <param name="configFolder">For a single file: a diffusers folder whose configs (and tokenizers) describe it (see StableDiffusionCheckpoint.Open).</param>
    /// <param name="deferVae">Read the VAE's weights only when it is first used (see <see cref="VaePending"/>).</param>
    public static StableDiffusionModel Load(string path, ScalarType dtype = ScalarType.Float32, string? tokenizerPath = null,
        Action<LoadProgress>? progress = null, string? configFolder = null, bool deferVae = false)
    {
        using var checkpoint = StableDiffusionCheckpoint.Open(path, tokenizerPath, dtype, configFolder);
        return checkpoint.Load(dtype, progress, deferVae);
    }

    /// <summary>
    /// Loads in a <see cref="Performance.Precision"/>: bf16 on a CPU without native bf16 falls back to fp32,
    /// and <paramref name="notice"/> receives one line saying so.
    /// </summary>
    public static StableDiffusionModel Load(string path, Precision precision, string? tokenizerPath = null, Action<string>? notice = null,
        Action<LoadProgress>? progress = null, string? configFolder = null, bool deferVae = false) =>
        Load(path, Resolve(precision, notice).DType(), tokenizerPath, progress, configFolder, deferVae);

    /// <summary>A model with freshly initialised (random) weights, e.g. <c>Create(StableDiffusionConfigs.Sd15, "sd15-random")</c>.</summary>
    public static StableDiffusionModel Create(StableDiffusionConfigSet configs, string name, string? tokenizerPath = null) =>
        new(configs, new ClipTextModel(configs.TextEncoder), new UNet2DConditionModel(configs.Unet), new AutoencoderKL(configs.Vae),
            name, null, tokenizerPath, configs.TextEncoder2 is { } second ? new ClipTextModelWithProjection(second) : null);

    /// <summary>
    /// A frozen random-weight model for inference (benchmarks), its weights drawn directly in the precision's
    /// dtype so that a bf16 model never exists in float32, even briefly. Falls back as <see cref="Load(string, Precision, string?, Action{string}?, Action{LoadProgress}?, string?, bool)"/>.
    /// </summary>
    public static StableDiffusionModel Create(StableDiffusionConfigSet configs, string name, Precision precision,
        string? tokenizerPath = null, Action<string>? notice = null)
    {
        var dtype = Resolve(precision, notice).DType();
        T Random<T>(T model) where T : nn.Module
        {
            ParameterStorage.AllocateEmpty(model, dtype);
            DefaultInitialization.Apply(model);
            model.eval();
            return model;
        }
        return new(configs, Random(new ClipTextModel(configs.TextEncoder, META)), Random(new UNet2DConditionModel(configs.Unet, META)),
            Random(new AutoencoderKL(configs.Vae, META)), name, null, tokenizerPath,
            configs.TextEncoder2 is { } second ? Random(new ClipTextModelWithProjection(second, META)) : null);
    }

    static Precision Resolve(Precision requested, Action<string>? notice)
    {
        var choice = PrecisionChoice.For(requested);
        if (choice.Notice != null) notice?.Invoke(choice.Notice);
        return choice.Effective;
    }

    /// <summary>True once <see cref="ReleaseTextEncoders"/> has freed the text encoders' weights.</summary>
    public bool TextEncodersReleased { get; private set; }

    /// <summary>
    /// Frees the text encoders' weights (SD 1.5: 0.25 GB in bf16; SDXL: 1.6 GB) once a one-shot caller has encoded its
    /// prompts; the U-Net and VAE stay. Encoding afterwards is refused with a one-line error.
    /// </summary>
    public void ReleaseTextEncoders()
    {
        if (TextEncodersReleased) return;
        ParameterStorage.Release(TextEncoder);
        if (TextEncoder2 != null) ParameterStorage.Release(TextEncoder2);
        TextEncodersReleased = true;
        TorchRuntime.ReturnFreedMemory();
    }

    /// <summary>True once <see cref="ReleaseUnet"/> has freed the U-Net's weights.</summary>
    public bool UnetReleased { get; private set; }

    /// <summary>
    /// Frees the U-Net's weights (SD 1.5: 1.7 GB in bf16, 3.4 GB in float32) once a one-shot caller has sampled its
    /// latents, so the VAE decode's memory does not add to them; sampling afterwards is refused with a one-line error.
    /// </summary>
    public void ReleaseUnet()
    {
        if (UnetReleased) return;
        ParameterStorage.Release(Unet);
        UnetReleased = true;
        TorchRuntime.ReturnFreedMemory();
    }

    Action? pendingVae;

    /// <summary>
    /// True while the VAE's weights are still unread: a one-shot caller loads with deferVae so that the VAE (SD 1.5: 0.33 GB
    /// in float32) is not held while the U-Net samples; <see cref="LoadPendingVae"/> reads them when the VAE is needed.
    /// </summary>
    public bool VaePending => pendingVae != null;

    /// <summary>Called by the checkpoint that deferred the VAE: <paramref name="load"/> reads its weights into <see cref="Vae"/>.</summary>
    internal void DeferVae(Action load) => pendingVae = load;

    /// <summary>Reads the VAE's weights if the load deferred them; otherwise does nothing.</summary>
    public void LoadPendingVae()
    {
        if (pendingVae is not { } load) return;
        load();
        pendingVae = null;
    }

    /// <summary>The tokenizer folder, or a one-line error saying how to provide one.</summary>
    public string RequireTokenizerPath() => TokenizerPath ?? throw new LatentSharpException(
        $"{Name}: no CLIP tokenizer found; pass a tokenizer folder (vocab.json + merges.txt) or download " +
        TokenizerLocator.Suggestion(Kind) + $" into the Hugging Face cache ({TokenizerLocator.DefaultHubCache()})");

    /// <summary>
    /// Writes a diffusers pipeline folder (configs, safetensors weights under diffusers names, scheduler config,
    /// tokenizer files when known). The folder appears complete or not at all.
    /// </summary>
    /// <param name="dtype">Store floating-point weights in this dtype (Float16 for a half-size copy); default: as in memory.</param>
    public void Save(string folder, ScalarType? dtype = null) => DiffusersFolderWriter.Write(this, folder, dtype);

    public void Dispose()
    {
        TextEncoder.Dispose();
        TextEncoder2?.Dispose();
        Unet.Dispose();
        Vae.Dispose();
    }
}
