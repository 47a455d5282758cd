using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Performance;
using LatentSharp.Schedulers;
using LatentSharp.Text;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// Text-to-image, image-to-image and inpainting with one Stable Diffusion model: prompt → context
/// vectors, noise → (scheduler loop with classifier-free guidance) → latents → VAE decoder → images.
/// Matches diffusers' StableDiffusion(Img2Img|Inpaint)Pipeline given the same starting noise.
/// One generation at a time per instance (schedulers keep state); the model itself is shared read-only.
/// </summary>
public sealed partial class StableDiffusionPipeline : IDisposable
{
    /// <summary>A pipeline over a model already in memory with the tokenizer(s) to read prompts; it owns (disposes) the model.</summary>
    /// <param name="model">The networks and their configs (<see cref="StableDiffusionModel.Load(string, Precision, string?, Action{string}?, Action{LoadProgress}?, string?, bool)"/>).</param>
    /// <param name="tokenizer">The CLIP tokenizer of the (first) text encoder.</param>
    /// <param name="tokenizer2">SDXL's tokenizer_2; null: <paramref name="tokenizer"/> padding with "!", which is what tokenizer_2 is.</param>
    public StableDiffusionPipeline(StableDiffusionModel model, ClipTokenizer tokenizer, ClipTokenizer? tokenizer2 = null)
    {
        Model = model;
        Tokenizer = baseTokenizer = tokenizer;
        Tokenizer2 = model.TextEncoder2 is null ? null : tokenizer2 ?? tokenizer.WithPadToken("!");
        SchedulerConfig = SchedulerConfig.FromJson(model.SchedulerConfigJson);
    }

    /// <summary>
    /// Loads a diffusers folder or single-file checkpoint and its tokenizer; <paramref name="path"/> may also be a
    /// Hugging Face id (org/name[@revision]), fetched into the Hugging Face cache unless already there (see Hub.HubModels).
    /// </summary>
    public static StableDiffusionPipeline Load(string path, ScalarType dtype = ScalarType.Float32, string? tokenizerPath = null) =>
        FromModel(StableDiffusionModel.Load(Hub.HubModels.LocalPath(path, HubOptions(dtype is ScalarType.Float16 or ScalarType.BFloat16, null)), dtype, tokenizerPath));

    /// <summary>Loads in a precision; bf16 falls back to fp32 (with one line to <paramref name="notice"/>) on CPUs without native bf16.</summary>
    /// <param name="progress">Called as the weights are read (stored bytes so far and in all), for a progress bar.</param>
    /// <param name="configFolder">For a single file: a diffusers folder whose configs (and tokenizers) describe it.</param>
    /// <param name="deferVae">Read the VAE only when it is first needed (a one-shot run: see <see cref="StableDiffusionModel.VaePending"/>).</param>
    public static StableDiffusionPipeline Load(string path, Precision precision, string? tokenizerPath = null, Action<string>? notice = null,
        Action<LoadProgress>? progress = null, string? configFolder = null, bool deferVae = false) =>
        FromModel(StableDiffusionModel.Load(Hub.HubModels.LocalPath(path, HubOptions(precision != Precision.Fp32, notice)), precision, tokenizerPath, notice,
            progress, configFolder, deferVae));

    /// <summary>Half-precision loads fetch a Hub model's ".fp16" weights where it has them.</summary>
    static Hub.HubDownloadOptions HubOptions(bool half, Action<string>? notice) => new() { PreferHalfPrecision = half, Notice = notice };

    /// <summary>A pipeline over <paramref name="model"/> with the model's own tokenizer(s); the model is disposed if that fails.</summary>
    public static StableDiffusionPipeline FromModel(StableDiffusionModel model)
    {
        try
        {
            UseInferenceLayout(model);
            var tokenizer = ClipTokenizer.FromFolder(model.RequireTokenizerPath());
            return new StableDiffusionPipeline(model, tokenizer, model.Tokenizer2Path is { } second ? ClipTokenizer.FromFolder(second) : null);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A bf16 model loaded for inference on the CPU runs its U-Net channels-last: bf16 passes ≈ 4% faster on the
    /// reference machine in interleaved in-process rounds (an A/B of commits: even, 0.96 within its noise). float32 stays
    /// channels-first: the A/B of commits ran its guided step 7% slower channels-last, in each of three rounds
    /// (docs/performance.md, "What each optimisation bought"). Either layout peaks alike in a 512² `sd generate`.
    /// Models built for training, and the pipelines training builds around them, keep the channels-first default.
    /// </summary>
    internal static void UseInferenceLayout(StableDiffusionModel model)
    {
        if (model.Unet.parameters().FirstOrDefault() is { device_type: DeviceType.CPU, dtype: ScalarType.BFloat16 })
            model.Unet.Layout = ActivationLayout.ChannelsLast;
    }

    /// <summary>The networks (text encoder(s), U-Net, VAE), their configs and its LoRA state; disposed with the pipeline.</summary>
    public StableDiffusionModel Model { get; }

    /// <summary>The model's tokenizer, with the words of the textual-inversion embeddings (<see cref="SetEmbeddings"/>) added.</summary>
    public ClipTokenizer Tokenizer { get; private set; }

    /// <summary>SDXL's tokenizer_2 (pads with "!"); null for SD 1.x/2.x.</summary>
    public ClipTokenizer? Tokenizer2 { get; }

    /// <summary>The model's own scheduler config (its noise schedule; samplers are swapped onto it).</summary>
    public SchedulerConfig SchedulerConfig { get; }

    /// <summary>
    /// Decode latents larger than a tile in overlapping tiles (bounded decoder memory, e.g. 1024² in bf16 under
    /// 4 GB); null (the default) decodes whole, exactly as diffusers does.
    /// </summary>
    public VaeTiling? VaeTiling { get; set; }

    /// <summary>
    /// Free the text encoders' memory as soon as the first generation has encoded its prompts (a command line that
    /// makes one generation and exits); a server keeps them. Default: false.
    /// </summary>
    public bool ReleaseTextEncodersAfterEncoding { get; set; }

    /// <summary>
    /// Free the U-Net's memory once the first generation has sampled its latents, before they are decoded (a command
    /// line that makes one generation and exits: the decoder's peak then no longer stacks on the U-Net's weights);
    /// a server keeps it. Default: false.
    /// </summary>
    public bool ReleaseUnetAfterSampling { get; set; }

    /// <summary>
    /// Hand the C heap's free pages back to the system after every sampling step (glibc's malloc_trim), so a run's peak
    /// is closer to its live memory than to the holes its passes leave in the heap: a 20-step 512² SD 1.5 `sd generate`
    /// peaked at 4.34 GB instead of 4.45 GB in fp32, 2.34 instead of 2.44 GB in bf16, with the same PNGs. The next pass
    /// faults the pages in again: an A/B of commits measured no cost in fp32 (guided step 1.02× the untrimmed one's,
    /// within the noise) but 0.88× in bf16, so `sd generate` and `sd bench` set it where <see cref="TrimmingTheHeapPaysOff"/>;
    /// a server leaves it off. Default: false.
    /// </summary>
    public bool ReturnFreedMemoryAfterEachStep { get; set; }

    /// <summary>
    /// Whether <see cref="ReturnFreedMemoryAfterEachStep"/> is worth its time for this model: in float32 (no cost measured,
    /// and its peak sits near the 4.6 GB target without it), not in bf16 (0.88× the step's speed, and 0.4 GB under its
    /// 2.8 GB target without it).
    /// </summary>
    public bool TrimmingTheHeapPaysOff => Model.Precision == Precision.Fp32;

    /// <summary>The model's VAE, its weights read first if the load deferred them.</summary>
    AutoencoderKL Vae
    {
        get
        {
            Model.LoadPendingVae();
            return Model.Vae;
        }
    }

    /// <summary>Receives warnings (e.g. a prompt truncated to 77 tokens). Default: none.</summary>
    public Action<string>? Warn { get; set; }

    /// <summary>Pixels per latent pixel: 2^(VAE levels − 1), 8 for SD.</summary>
    public int VaeScaleFactor => 1 << (Model.Vae.Config.BlockOutChannels.Length - 1);

    /// <summary>The width a request without one gets: the U-Net's sample size × <see cref="VaeScaleFactor"/> (512 for SD 1.5, 1024 for SDXL).</summary>
    public int DefaultWidth => (Model.Unet.Config.SampleSize ?? 64) * VaeScaleFactor;
    /// <summary>The height a request without one gets (the model's square default).</summary>
    public int DefaultHeight => DefaultWidth;

    /// <summary>The sampler name of the model's own scheduler (used when a request names none).</summary>
    public string DefaultSampler => SamplerNames.FromConfig(SchedulerConfig);

    /// <summary>
    /// Generates the request's images: text-to-image, image-to-image or inpainting as <see cref="GenerationRequest.Mode"/> says.
    /// The same request and seed give the same images as <c>sd generate</c> / <c>sd img2img</c> / <c>sd inpaint</c>.
    /// </summary>
    /// <param name="request">What to generate.</param>
    /// <param name="onStep">Called after every denoising step with the current latents (valid only during the call).</param>
    /// <param name="cancellation">Checked before every step; cancelling throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The images with their parameters; dispose it to free its tensors.</returns>
    public GenerationResult Generate(GenerationRequest request, Action<StepProgress>? onStep = null,
        CancellationToken cancellation = default)
    {
        RequestValidation.Check(request, Model.Unet.Config.InChannels);
        var (width, height) = ResolveSize(request);
        using var image = request.Image is { } img ? ImageTensors.ToUnitRange(Fit(img, width, height)) : null;
        using var mask = request.Mask is { } m ? ImageTensors.ToUnitRange(Fit(m, width, height)) : null;
        return Generate(request, width, height, image, mask, onStep, cancellation);
    }

    /// <summary>The core, with the input image and mask as [1, 3, H, W] tensors in [0, 1] (the parity tests feed tensors).</summary>
    internal GenerationResult Generate(GenerationRequest request, int width, int height, Tensor? image, Tensor? mask,
        Action<StepProgress>? onStep, CancellationToken cancellation)
    {
        RequestValidation.Check(request, Model.Unet.Config.InChannels);
        using var inference = torch.inference_mode();
        int batch = request.BatchSize;
        long[] seeds = Enumerable.Range(0, batch).Select(i => request.Seed + i).ToArray();
        using var noise = new NoiseSource(seeds);
        string sampler = request.Scheduler ?? DefaultSampler;
        var schedulerConfig = request.TimestepSpacing is { } spacing ? SchedulerConfig.WithTimestepSpacing(spacing) : SchedulerConfig;
        using var scheduler = request.Scheduler is null
            ? SchedulerFactory.FromConfig(schedulerConfig)
            : SchedulerFactory.Create(request.Scheduler, schedulerConfig);
        scheduler.SetTimesteps(request.Steps);

        bool guided = ClassifierFreeGuidance.IsActive(request.GuidanceScale);
        if (Model.TextEncodersReleased)
            throw new LatentSharpException($"{Model.Name}: the text encoders were released after the first generation; load the model again to encode new prompts");
        if (Model.UnetReleased)
            throw new LatentSharpException($"{Model.Name}: the U-Net was released after the first generation; load the model again to sample new images");
        string prompt = ApplyAdapters(request);
        using var conditioning = Conditioning(request with { Prompt = prompt }, width, height, guided);
        if (ReleaseTextEncodersAfterEncoding) Model.ReleaseTextEncoders();
        long[] shape = [batch, Model.Vae.Config.LatentChannels, height / VaeScaleFactor, width / VaeScaleFactor];

        using var start = request.Mode switch
        {
            GenerationMode.TextToImage => StartFromNoise(request, scheduler, noise, shape),
            GenerationMode.ImageToImage => StartFromImage(request, scheduler, noise, shape, image!),
            _ => StartInpainting(request, scheduler, noise, shape, image!, mask!),
        };
        var loop = new DenoisingLoop
        {
            Unet = Model.Unet, Scheduler = scheduler, Conditioning = conditioning, GuidanceScale = request.GuidanceScale, Noise = noise,
            ExtraChannels = start.ExtraChannels, AfterStep = start.AfterStep, OnStep = onStep, Cancellation = cancellation,
            TrimHeapAfterEachStep = ReturnFreedMemoryAfterEachStep,
        };
        var latents = loop.Run(start.Latents, start.Timesteps);
        if (ReleaseUnetAfterSampling) Model.ReleaseUnet();
        try
        {
            var decoded = DecodeLatents(latents);
            var images = ImageTensors.FromUnitRange(decoded);
            var parameters = seeds.Select(seed => Describe(request, sampler, seed, width, height)).ToArray();
            return new GenerationResult(images, parameters, seeds, latents, decoded);
        }
        catch
        {
            latents.Dispose();
            throw;
        }
    }

    /// <summary>Latents → images [B, 3, H, W] in [0, 1]: vae.decode(z / scaling_factor), then (x/2 + 0.5).clamp(0, 1).</summary>
    public Tensor DecodeLatents(Tensor latents)
    {
        using var inference = torch.inference_mode();
        using var scope = NewDisposeScope();
        var vaeType = Vae.parameters().First().dtype;
        // One image at a time: a batch of large images would multiply the decoder's peak memory.
        var images = Enumerable.Range(0, (int)latents.shape[0]).Select(i =>
        {
            using var itemScope = NewDisposeScope();
            var z = (latents.narrow(0, i, 1) / Model.Vae.Config.ScalingFactor).to(vaeType);
            var x = (VaeTiling is { } tiling ? TiledDecoding.Decode(Vae, z, tiling) : DecodeExactly(z)).to(ScalarType.Float32);
            return (x / 2 + 0.5).clamp(0, 1).MoveToOuterDisposeScope();
        }).ToList();
        return cat(images, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The untiled decode; images larger than <see cref="WholeDecodeMaxPixels"/> compute their largest levels in row
    /// bands (the same image, far less memory: see <see cref="AutoencoderKL.DecodeInBands"/>).
    /// </summary>
    Tensor DecodeExactly(Tensor z) =>
        z.shape[2] * z.shape[3] * VaeScaleFactor * VaeScaleFactor > WholeDecodeMaxPixels ? Vae.DecodeInBands(z) : Vae.Decode(z);

    /// <summary>
    /// Largest image decoded whole. Bands cost time (a statistics pass per group norm, halo rows, copies into the
    /// image: fp32 512² 11.7 → 13.5 s here), and at 512² the whole decode's activations (≈ 1 GB in fp32) stay below
    /// the U-Net's sampling peak, so bands only pay for themselves above it.
    /// </summary>
    internal const long WholeDecodeMaxPixels = 512 * 512;

    sealed record LoopStart(Tensor Latents, Tensor Timesteps, Tensor? ExtraChannels = null, Func<int, Tensor, Tensor>? AfterStep = null,
        IDisposable? Owned = null) : IDisposable
    {
        public void Dispose()
        {
            Latents.Dispose();
            Timesteps.Dispose();
            ExtraChannels?.Dispose();
            Owned?.Dispose();
        }
    }

    LoopStart StartFromNoise(GenerationRequest request, IScheduler scheduler, NoiseSource noise, long[] shape)
    {
        if (request.InitialLatents is { } given && !given.shape.SequenceEqual(shape))
            throw new LatentSharpException(
                $"initial latents have shape [{string.Join(", ", given.shape)}], expected [{string.Join(", ", shape)}] for this size and batch");
        return new LoopStart(LatentPreparation.InitialNoise(shape, scheduler, noise, request.InitialLatents), scheduler.Timesteps.alias());
    }

    LoopStart StartFromImage(GenerationRequest request, IScheduler scheduler, NoiseSource noise, long[] shape, Tensor image)
    {
        using var scope = NewDisposeScope();
        var timesteps = LatentPreparation.StrengthTimesteps(scheduler, request.Steps, request.EffectiveStrength);
        var imageLatents = LatentPreparation.EncodeImage(Vae, ToModelSpace(image, shape[0]), noise);
        var latents = LatentPreparation.NoiseTo(scheduler, imageLatents, noise.Randn(shape), timesteps[0]);
        return new LoopStart(latents.MoveToOuterDisposeScope(), timesteps.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Inpainting, in diffusers' draw order (image latents, noise, masked-image latents). A 9-channel U-Net
    /// sees the mask and the masked image's latents beside the sample; an ordinary one gets the known
    /// region re-noised to the current level and pasted back after every step.
    /// </summary>
    LoopStart StartInpainting(GenerationRequest request, IScheduler scheduler, NoiseSource noise, long[] shape, Tensor image, Tensor mask)
    {
        using var scope = NewDisposeScope();
        bool inpaintingUnet = Model.Unet.Config.InChannels == 9;
        double strength = request.EffectiveStrength;
        bool fromPureNoise = strength >= 1.0;
        var keep = InpaintingMask.Prepare(mask, request.MaskBlur, request.InvertMask);
        var pixels = ToModelSpace(image, shape[0]);
        var timesteps = LatentPreparation.StrengthTimesteps(scheduler, request.Steps, strength);

        var imageLatents = !inpaintingUnet || !fromPureNoise ? LatentPreparation.EncodeImage(Vae, pixels, noise) : null;
        var initialNoise = noise.Randn(shape);
        var latents = fromPureNoise
            ? initialNoise * scheduler.InitNoiseSigma
            : LatentPreparation.NoiseTo(scheduler, imageLatents!, initialNoise, timesteps[0]);
        var latentMask = InpaintingMask.ToLatentSize(keep, shape[2], shape[3]).repeat(shape[0], 1, 1, 1);

        if (inpaintingUnet)
        {
            var maskedImageLatents = LatentPreparation.EncodeImage(Vae, pixels * (keep < 0.5), noise);
            var extra = cat([latentMask, maskedImageLatents], 1);
            return new LoopStart(latents.MoveToOuterDisposeScope(), timesteps.MoveToOuterDisposeScope(), extra.MoveToOuterDisposeScope());
        }

        // diffusers draws the masked image's posterior noise even when a 4-channel U-Net never uses it;
        // drawing it too keeps every later draw (ancestral samplers) on diffusers' stream.
        noise.Randn(shape).Dispose();
        var known = new KnownRegion(imageLatents!.MoveToOuterDisposeScope(), initialNoise.MoveToOuterDisposeScope(),
            latentMask.MoveToOuterDisposeScope(), timesteps.MoveToOuterDisposeScope(), scheduler);
        return new LoopStart(latents.MoveToOuterDisposeScope(), known.Timesteps.alias().MoveToOuterDisposeScope(), AfterStep: known.Blend, Owned: known);
    }

    /// <summary>The kept part of an inpainting image, pasted back after each step at the next step's noise level.</summary>
    sealed class KnownRegion(Tensor imageLatents, Tensor noise, Tensor mask, Tensor timesteps, IScheduler scheduler) : IDisposable
    {
        public Tensor Timesteps => timesteps;

        public Tensor Blend(int step, Tensor latents)
        {
            var known = step < timesteps.shape[0] - 1
                ? scheduler.AddNoise(imageLatents, noise, timesteps[step + 1].reshape(1).repeat(imageLatents.shape[0]))
                : imageLatents.alias();
            return (1 - mask) * known + mask * latents;
        }

        public void Dispose()
        {
            imageLatents.Dispose();
            noise.Dispose();
            mask.Dispose();
            timesteps.Dispose();
        }
    }

    static Tensor ToModelSpace(Tensor unitImage, long batch) => (unitImage * 2 - 1).repeat(batch, 1, 1, 1);

    (int Width, int Height) ResolveSize(GenerationRequest r) => (
        r.Width ?? (r.Image is { } i && i.Width % 8 == 0 ? i.Width : DefaultWidth),
        r.Height ?? (r.Image is { } j && j.Height % 8 == 0 ? j.Height : DefaultHeight));

    /// <summary>The input image at the generation size (Lanczos, as diffusers' image processor resizes).</summary>
    static RgbImage Fit(RgbImage image, int width, int height) =>
        image.Width == width && image.Height == height ? image : Resampling.Resize(image, width, height, ResampleFilter.Lanczos);

    /// <summary>
    /// The parameters that reproduce image <paramref name="index"/> of <paramref name="request"/> (seed Seed + index),
    /// for images made without <see cref="Generate(GenerationRequest, Action{StepProgress}?, CancellationToken)"/>'s
    /// result, e.g. a preview of an interrupted run.
    /// </summary>
    public GenerationParameters Describe(GenerationRequest request, int index)
    {
        var (width, height) = ResolveSize(request);
        return Describe(request, request.Scheduler ?? DefaultSampler, request.Seed + index, width, height);
    }

    GenerationParameters Describe(GenerationRequest r, string sampler, long seed, int width, int height)
    {
        var extra = new List<KeyValuePair<string, string>>();
        // AUTOMATIC1111 counts clip skip from 1 (= the last layer); diffusers from 0.
        if (r.ClipSkip > 0) extra.Add(new("Clip skip", (r.ClipSkip + 1).ToString()));
        if (r.TimestepSpacing is { } spacing) extra.Add(new("Timestep spacing", spacing));
        if (Model.TextEncoder2 != null) extra.AddRange(SdxlSettings(r, width, height));
        extra.AddRange(AdapterParameters(r));
        extra.Add(new("Version", "LatentSharp"));
        return new GenerationParameters
        {
            Prompt = r.Prompt, NegativePrompt = r.NegativePrompt ?? "", Steps = r.Steps, Sampler = SamplerNames.ToA1111(sampler),
            CfgScale = r.GuidanceScale, Seed = seed, Width = width, Height = height, Model = Model.Name,
            DenoisingStrength = r.Mode == GenerationMode.TextToImage ? null : r.EffectiveStrength, Extra = extra,
        };
    }

    /// <summary>SDXL's own settings where they differ from the defaults (A1111 has no names for them; these follow diffusers').</summary>
    static IEnumerable<KeyValuePair<string, string>> SdxlSettings(GenerationRequest r, int width, int height)
    {
        var size = new PixelSize(width, height);
        if (r.Prompt2 is { Length: > 0 } p2) yield return new("Prompt 2", p2);
        if (r.NegativePrompt2 is { Length: > 0 } n2) yield return new("Negative prompt 2", n2);
        if (r.OriginalSize is { } original && original != size) yield return new("Original size", original.ToString());
        if (r.CropTopLeft is { } crop && crop != new CropOffset(0, 0)) yield return new("Crop top left", crop.ToString());
        if (r.TargetSize is { } target && target != size) yield return new("Target size", target.ToString());
    }

    /// <summary>Frees the model's memory.</summary>
    public void Dispose() => Model.Dispose();
}
