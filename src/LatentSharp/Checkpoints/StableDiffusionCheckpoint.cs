using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// A Stable Diffusion model on disk, opened but not loaded: its configs (read from a diffusers folder, or
/// inferred from a single file's weight shapes), where each network's weights are, the scheduler config and
/// the tokenizer. Only file headers have been read; <see cref="Load"/> reads the weights.
/// </summary>
public sealed class StableDiffusionCheckpoint : IDisposable
{
    readonly IReadOnlyList<SafetensorsFile> files;

    StableDiffusionCheckpoint(string path, bool isSingleFile, StableDiffusionConfigSet configs, Tokenizers tokenizers, string? configFolder,
        ComponentWeights textEncoder, ComponentWeights unet, ComponentWeights vae, ComponentWeights? textEncoder2,
        IReadOnlyList<SafetensorsFile> files)
    {
        Path = path;
        IsSingleFile = isSingleFile;
        ConfigFolder = configFolder;
        Configs = configs;
        TokenizerPath = tokenizers.First;
        Tokenizer2Path = tokenizers.Second;
        TextEncoderWeights = textEncoder;
        UnetWeights = unet;
        VaeWeights = vae;
        TextEncoder2Weights = textEncoder2;
        this.files = files;
    }

    public string Path { get; }

    /// <summary>The folder's name, or the file's name without extension.</summary>
    public string Name => IsSingleFile
        ? System.IO.Path.GetFileNameWithoutExtension(Path)
        : Hub.HubCache.RepoIdOfSnapshot(Path)   // a Hub model is called by its id, not by its commit folder
          ?? System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(Path)));

    /// <summary>An original single-file checkpoint (otherwise a diffusers folder).</summary>
    public bool IsSingleFile { get; }

    /// <summary>The diffusers folder the single file's configs came from; null when they were inferred (or for a folder).</summary>
    public string? ConfigFolder { get; }

    public StableDiffusionConfigSet Configs { get; }
    public StableDiffusionKind Kind => Configs.Kind;

    /// <summary>A CLIP tokenizer folder: the given one, the pipeline folder's, or one found in the Hugging Face cache; null if none.</summary>
    public string? TokenizerPath { get; }

    /// <summary>SDXL: the folder's own tokenizer_2, or null (then <see cref="TokenizerPath"/>'s files, padded with "!").</summary>
    public string? Tokenizer2Path { get; }

    public ComponentWeights TextEncoderWeights { get; }
    public ComponentWeights UnetWeights { get; }
    public ComponentWeights VaeWeights { get; }

    /// <summary>SDXL's text_encoder_2 weights; null for SD 1.x/2.x.</summary>
    public ComponentWeights? TextEncoder2Weights { get; }

    /// <summary>A model's tokenizer folders.</summary>
    sealed record Tokenizers(string? First, string? Second);

    /// <summary>Opens a diffusers pipeline folder or an original single-file .safetensors checkpoint.</summary>
    /// <param name="tokenizerPath">A CLIP tokenizer folder to use instead of the model's own (or, for single files, the cache's).</param>
    /// <param name="dtype">The dtype the weights will be loaded in: picks a folder's ".fp16" variant for half precision.</param>
    /// <param name="configFolder">For a single file: a diffusers pipeline folder whose configs (and tokenizers) describe it,
    /// instead of configs inferred from the weight shapes (diffusers' <c>from_single_file(..., config=)</c>).</param>
    public static StableDiffusionCheckpoint Open(string path, string? tokenizerPath = null, ScalarType dtype = ScalarType.Float32,
        string? configFolder = null)
    {
        if (tokenizerPath != null && !TokenizerLocator.IsTokenizerFolder(tokenizerPath))
            throw new CheckpointException(tokenizerPath, "not a CLIP tokenizer folder (needs vocab.json and merges.txt)");
        if (configFolder != null && !DiffusersLayout.IsPipelineFolder(configFolder))
            throw new CheckpointException(configFolder, $"not a diffusers pipeline folder (no {DiffusersLayout.ModelIndex}) to take configs from");
        if (Directory.Exists(path))
            return DiffusersLayout.IsPipelineFolder(path)
                ? OpenFolder(path, tokenizerPath, dtype)
                : throw new CheckpointException(path, $"not a diffusers pipeline folder (no {DiffusersLayout.ModelIndex})");
        if (!File.Exists(path)) throw new CheckpointException(path, "no such file or folder");
        if (PickleCheckpoint.IsPickle(path)) throw PickleCheckpoint.Refuse(path);
        return OpenSingleFile(path, tokenizerPath, configFolder);
    }

    /// <summary>The configs of a diffusers folder (validated, each error naming its file) and its own tokenizer folders.</summary>
    static (StableDiffusionConfigSet Configs, Tokenizers Own) ReadFolderConfigs(string folder)
    {
        var index = DiffusersLayout.CheckModelIndex(folder);
        string schedulerPath = System.IO.Path.Combine(folder, DiffusersLayout.SchedulerConfig);
        if (!File.Exists(schedulerPath)) throw new CheckpointException(schedulerPath, "file not found");
        string scheduler = File.ReadAllText(schedulerPath);
        DiffusersLayout.SchedulerClass(scheduler, schedulerPath);

        string Config(string component) => System.IO.Path.Combine(folder, component, "config.json");
        var textConfig = ReadConfig<ClipTextConfig>(Config("text_encoder"), c => c.Validate());
        var unetConfig = ReadConfig<UNet2DConditionConfig>(Config("unet"), c => c.Validate());
        var vaeConfig = ReadConfig<AutoencoderKLConfig>(Config("vae"), c => c.Validate());
        var kind = unetConfig.HasTextTimeEmbedding ? StableDiffusionKind.Sdxl
            : textConfig.HiddenAct == "gelu" ? StableDiffusionKind.Sd2 : StableDiffusionKind.Sd1;
        var configs = new StableDiffusionConfigSet(kind, textConfig, unetConfig, vaeConfig, scheduler);
        if (kind == StableDiffusionKind.Sdxl)
        {
            string second = Config(DiffusersLayout.TextEncoder2.Folder);
            if (!File.Exists(second))
                throw new CheckpointException(System.IO.Path.Combine(folder, DiffusersLayout.TextEncoder2.Folder),
                    $"missing: an SDXL U-Net (addition_embed_type {UNet2DConditionConfig.TextTimeEmbedding}) needs text_encoder_2 " +
                    $"({DiffusersLayout.TextEncoder2.ClassName})");
            configs = configs with
            {
                TextEncoder2 = ReadConfig<ClipTextConfig>(second, c => c.Validate()),
                ForceZerosForEmptyPrompt = DiffusersLayout.BoolSetting(index, "force_zeros_for_empty_prompt") ?? true,
            };
            SdxlConditioningShape.Check(configs, Config("unet"));
        }
        string? Own(string sub) => TokenizerLocator.IsTokenizerFolder(System.IO.Path.Combine(folder, sub)) ? System.IO.Path.Combine(folder, sub) : null;
        return (configs, new Tokenizers(Own(DiffusersLayout.TokenizerFolder), kind == StableDiffusionKind.Sdxl ? Own(DiffusersLayout.Tokenizer2Folder) : null));
    }

    /// <summary>A config file, parsed and checked; what this library cannot build is reported naming the file.</summary>
    static T ReadConfig<T>(string path, Func<T, T> validate)
    {
        var config = ConfigJson.Read<T>(path);
        try
        {
            return validate(config);
        }
        catch (LatentSharpException e)
        {
            throw new CheckpointException(path, e.Message);
        }
    }

    static StableDiffusionCheckpoint OpenFolder(string folder, string? tokenizerPath, ScalarType dtype)
    {
        var (configs, own) = ReadFolderConfigs(folder);
        var opened = new List<SafetensorsFile>();
        try
        {
            ComponentWeights Weights((string Folder, string ClassName, string Library, string WeightsStem) component)
            {
                var file = SafetensorsFile.Open(DiffusersLayout.WeightsFile(folder, component.Folder, component.WeightsStem, dtype));
                opened.Add(file);
                // transformers < 4.31 saved the position-id buffer; it is arange(77) and not a weight.
                return ComponentWeights.SameNames(file, key => key == "text_model.embeddings.position_ids");
            }
            var text = Weights(DiffusersLayout.Networks[0]);
            var unet = Weights(DiffusersLayout.Networks[1]);
            var vae = Weights(DiffusersLayout.Networks[2]);
            var text2 = configs.Kind == StableDiffusionKind.Sdxl ? Weights(DiffusersLayout.TextEncoder2) : null;
            var tokenizers = tokenizerPath != null
                ? new Tokenizers(tokenizerPath, null)
                : own with { First = own.First ?? TokenizerLocator.Find(configs.Kind) };
            return new StableDiffusionCheckpoint(folder, false, configs, tokenizers, null, text, unet, vae, text2, opened);
        }
        catch
        {
            foreach (var f in opened) f.Dispose();
            throw;
        }
    }

    static StableDiffusionCheckpoint OpenSingleFile(string path, string? tokenizerPath, string? configFolder)
    {
        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Open(path);
        }
        catch (CheckpointException) when (!System.IO.Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointException(path, "is neither a diffusers pipeline folder nor a .safetensors checkpoint");
        }
        try
        {
            if (!SingleFileConfigs.IsStableDiffusion(file))
                throw new CheckpointException(path, $"not a Stable Diffusion checkpoint: no {SingleFileKeyMap.UNetPrefix}* weights");
            var (configs, own) = configFolder is null ? (SingleFileConfigs.Infer(file), new Tokenizers(null, null)) : ReadFolderConfigs(configFolder);
            var kind = SingleFileConfigs.DetectKind(file);
            if (configs.Kind != kind)
                throw new CheckpointException(path, $"is a {kind.DisplayName()} checkpoint but {configFolder} describes {configs.Kind.DisplayName()}");
            if (configs.Kind == StableDiffusionKind.Sdxl && configFolder is null) SdxlConditioningShape.Check(configs, path);
            var (text, text2) = SingleFileTextEncoders(file, configs);
            var unet = Owned(file, SingleFileKeyMap.UNet(configs.Unet), SingleFileKeyMap.UNetPrefix, _ => false);
            // Training checkpoints may carry the autoencoder's loss (discriminator, LPIPS): not part of the model.
            var vae = Owned(file, SingleFileKeyMap.Vae(configs.Vae), SingleFileKeyMap.VaePrefix,
                key => key.StartsWith(SingleFileKeyMap.VaePrefix + "loss.", StringComparison.Ordinal));
            var tokenizers = tokenizerPath != null ? new Tokenizers(tokenizerPath, null)
                : own.First != null ? own
                : new Tokenizers(TokenizerLocator.Find(configs.Kind), null);
            return new StableDiffusionCheckpoint(path, true, configs, tokenizers, configFolder, text, unet, vae, text2, [file]);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The text encoder(s) of a single file: SD 1.x CLIP, SD 2.x OpenCLIP, or SDXL's conditioner embedders 0 and 1.</summary>
    static (ComponentWeights First, ComponentWeights? Second) SingleFileTextEncoders(SafetensorsFile file, StableDiffusionConfigSet configs)
    {
        static bool PositionIds(string key) => key.EndsWith("embeddings.position_ids", StringComparison.Ordinal);
        switch (configs.Kind)
        {
            case StableDiffusionKind.Sd1:
                return (Owned(file, SingleFileKeyMap.Clip(SingleFileConfigs.ClipHasTextModelLevel(file)), SingleFileKeyMap.ClipPrefix, PositionIds), null);
            case StableDiffusionKind.Sd2:
                return (Owned(file, SingleFileKeyMap.OpenClip(configs.TextEncoder), SingleFileKeyMap.OpenClipPrefix,
                    key => UnusedOpenClip(key, SingleFileKeyMap.OpenClipPrefix, configs.TextEncoder.NumHiddenLayers, keepsProjection: false)), null);
            default:
                const string first = SingleFileKeyMap.SdxlClipPrefix, second = SingleFileKeyMap.SdxlOpenClipPrefix;
                var text2 = configs.TextEncoder2!;
                return (Owned(file, SingleFileKeyMap.Clip(SingleFileConfigs.ClipHasTextModelLevel(file, first), first), first, PositionIds),
                    Owned(file, SingleFileKeyMap.OpenClip(text2, second, withProjection: true), second,
                        key => UnusedOpenClip(key, second, text2.NumHiddenLayers, keepsProjection: true)));
        }
    }

    /// <summary>A component of a single file: the stored keys under its prefix, minus those that are not weights of ours.</summary>
    static ComponentWeights Owned(SafetensorsFile file, SingleFileNames names, string prefix, Func<string, bool> ignore) =>
        new(file, names.Locate, file.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !ignore(k)).ToList());

    /// <summary>OpenCLIP parts a model does not use: the logit scale, the image-text projection (SD 2.x) and blocks past its depth.</summary>
    static bool UnusedOpenClip(string key, string prefix, int layers, bool keepsProjection)
    {
        string rest = key[prefix.Length..];
        if (rest is "logit_scale" or "attn_mask" || (rest == "text_projection" && !keepsProjection)) return true;
        const string blocks = "transformer.resblocks.";
        return rest.StartsWith(blocks, StringComparison.Ordinal) && int.TryParse(rest[blocks.Length..].Split('.')[0], out int n) && n >= layers;
    }

    /// <summary>Builds the networks and reads their weights, converted to <paramref name="dtype"/>.</summary>
    /// <remarks>
    /// A VAE whose config says force_upcast is kept in float32 when float16 is asked for, as diffusers upcasts
    /// it to decode and encode (SDXL's VAE overflows in float16); bfloat16 has float32's range and is kept.
    /// </remarks>
    /// <param name="progress">Called after each tensor read, with the stored bytes read so far and in all.</param>
    /// <param name="deferVae">
    /// Leave the VAE unread (shapes only) until <see cref="StableDiffusionModel.LoadPendingVae"/>, which opens this checkpoint's
    /// path again and reads just the VAE: a one-shot run then never holds the VAE and the U-Net at once.
    /// </param>
    /// <returns>Frozen (no gradients) models in eval mode.</returns>
    public StableDiffusionModel Load(ScalarType dtype = ScalarType.Float32, Action<LoadProgress>? progress = null, bool deferVae = false)
    {
        ClipTextModel? text = null;
        ClipTextModelWithProjection? text2 = null;
        UNet2DConditionModel? unet = null;
        AutoencoderKL? vae = null;
        try
        {
            text = new ClipTextModel(Configs.TextEncoder, META);
            unet = new UNet2DConditionModel(Configs.Unet, META);
            vae = new AutoencoderKL(Configs.Vae, META);
            if (Configs.TextEncoder2 is { } second) text2 = new ClipTextModelWithProjection(second, META);
            long total = WeightLoader.StoredBytes(text, TextEncoderWeights) + WeightLoader.StoredBytes(unet, UnetWeights)
                         + (deferVae ? 0 : WeightLoader.StoredBytes(vae, VaeWeights)) + (text2 is null ? 0 : WeightLoader.StoredBytes(text2, TextEncoder2Weights!)), read = 0;
            Action<long>? onRead = progress is null ? null : bytes => progress(new LoadProgress(read += bytes, total));
            WeightLoader.Load(text, TextEncoderWeights, dtype, onRead);
            if (text2 is not null) WeightLoader.Load(text2, TextEncoder2Weights!, dtype, onRead);
            WeightLoader.Load(unet, UnetWeights, dtype, onRead);
            var vaeType = VaeDType(Configs.Vae, dtype);
            if (!deferVae) WeightLoader.Load(vae, VaeWeights, vaeType, onRead);
            else WeightLoader.Plan(vae, VaeWeights); // a VAE that would not load fails now, not after sampling
            var model = new StableDiffusionModel(Configs, text, unet, vae, Name, Path, TokenizerPath, text2, Tokenizer2Path) { ConfigFolder = ConfigFolder };
            if (deferVae) model.DeferVae(ReopenedVaeLoader(model.Vae, dtype, vaeType));
            return model;
        }
        catch
        {
            text?.Dispose();
            text2?.Dispose();
            unet?.Dispose();
            vae?.Dispose();
            throw;
        }
    }

    /// <summary>Reads the VAE's weights from this checkpoint's path, opened again (this instance is disposed by then).</summary>
    Action ReopenedVaeLoader(AutoencoderKL vae, ScalarType dtype, ScalarType vaeType)
    {
        // Only the VAE is read: the tokenizer found the first time is passed on so that the lookup cannot differ.
        string path = Path;
        string? tokenizer = TokenizerPath, configFolder = ConfigFolder;
        return () =>
        {
            using var again = Open(path, tokenizer, dtype, configFolder);
            WeightLoader.Load(vae, again.VaeWeights, vaeType);
        };
    }

    /// <summary>The dtype the VAE runs in when the model runs in <paramref name="dtype"/>: float32 for float16 with force_upcast.</summary>
    public static ScalarType VaeDType(AutoencoderKLConfig config, ScalarType dtype) =>
        dtype == ScalarType.Float16 && config.ForceUpcast ? ScalarType.Float32 : dtype;

    /// <summary>Parameter counts and stored dtypes of the networks, checked against the configs without loading any weight.</summary>
    public IReadOnlyList<ComponentSummary> Summarize()
    {
        using var text = new ClipTextModel(Configs.TextEncoder, META);
        using var text2 = Configs.TextEncoder2 is { } second ? new ClipTextModelWithProjection(second, META) : null;
        using var unet = new UNet2DConditionModel(Configs.Unet, META);
        using var vae = new AutoencoderKL(Configs.Vae, META);
        var summaries = new List<ComponentSummary> { Summary("text_encoder", "CLIPTextModel", text, TextEncoderWeights) };
        if (text2 != null) summaries.Add(Summary(DiffusersLayout.TextEncoder2.Folder, DiffusersLayout.TextEncoder2.ClassName, text2, TextEncoder2Weights!));
        summaries.Add(Summary("unet", "UNet2DConditionModel", unet, UnetWeights));
        summaries.Add(Summary("vae", "AutoencoderKL", vae, VaeWeights));
        return summaries;
    }

    static ComponentSummary Summary(string name, string className, nn.Module model, ComponentWeights weights)
    {
        var plan = WeightLoader.Plan(model, weights);
        var dtypes = plan.Select(a => weights.File.Entry(a.Source.Key).DType).Distinct().Order().ToList();
        return new ComponentSummary(name, className, plan.Sum(a => a.Parameter.numel()), dtypes, weights.File.Path);
    }

    public void Dispose()
    {
        foreach (var file in files) file.Dispose();
    }
}
