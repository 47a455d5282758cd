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

    StableDiffusionCheckpoint(string path, bool isSingleFile, StableDiffusionConfigSet configs, string? tokenizerPath,
        ComponentWeights textEncoder, ComponentWeights unet, ComponentWeights vae, IReadOnlyList<SafetensorsFile> files)
    {
        Path = path;
        IsSingleFile = isSingleFile;
        Configs = configs;
        TokenizerPath = tokenizerPath;
        TextEncoderWeights = textEncoder;
        UnetWeights = unet;
        VaeWeights = vae;
        this.files = files;
    }

    public string Path { get; }

    /// <summary>The folder's name, or the file's name without extension.</summary>
    public string Name => IsSingleFile
        ? System.IO.Path.GetFileNameWithoutExtension(Path)
        : System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(Path)));

    /// <summary>An original single-file checkpoint (otherwise a diffusers folder).</summary>
    public bool IsSingleFile { get; }

    public StableDiffusionConfigSet Configs { get; }
    public StableDiffusionKind Kind => Configs.Kind;

    /// <summary>A CLIP tokenizer folder: the given one, the pipeline folder's, or one found in the Hugging Face cache; null if none.</summary>
    public string? TokenizerPath { get; }

    public ComponentWeights TextEncoderWeights { get; }
    public ComponentWeights UnetWeights { get; }
    public ComponentWeights VaeWeights { get; }

    /// <summary>Opens a diffusers pipeline folder or an original single-file .safetensors checkpoint.</summary>
    /// <param name="tokenizerPath">A CLIP tokenizer folder to use instead of the model's own (or, for single files, the cache's).</param>
    /// <param name="dtype">The dtype the weights will be loaded in: picks a folder's ".fp16" variant for half precision.</param>
    public static StableDiffusionCheckpoint Open(string path, string? tokenizerPath = null, ScalarType dtype = ScalarType.Float32)
    {
        if (tokenizerPath != null && !TokenizerLocator.IsTokenizerFolder(tokenizerPath))
            throw new CheckpointException(tokenizerPath, "not a CLIP tokenizer folder (needs vocab.json and merges.txt)");
        if (Directory.Exists(path))
            return DiffusersLayout.IsPipelineFolder(path)
                ? OpenFolder(path, tokenizerPath, dtype)
                : throw new CheckpointException(path, $"not a diffusers pipeline folder (no {DiffusersLayout.ModelIndex})");
        if (!File.Exists(path)) throw new CheckpointException(path, "no such file or folder");
        if (PickleCheckpoint.IsPickle(path)) throw PickleCheckpoint.Refuse(path);
        return OpenSingleFile(path, tokenizerPath);
    }

    static StableDiffusionCheckpoint OpenFolder(string folder, string? tokenizerPath, ScalarType dtype)
    {
        DiffusersLayout.CheckModelIndex(folder);
        string schedulerPath = System.IO.Path.Combine(folder, DiffusersLayout.SchedulerConfig);
        if (!File.Exists(schedulerPath)) throw new CheckpointException(schedulerPath, "file not found");
        string scheduler = File.ReadAllText(schedulerPath);
        DiffusersLayout.SchedulerClass(scheduler, schedulerPath);

        string Config(string component) => System.IO.Path.Combine(folder, component, "config.json");
        var textConfig = ConfigJson.Read<ClipTextConfig>(Config("text_encoder"));
        var kind = textConfig.HiddenAct == "gelu" ? StableDiffusionKind.Sd2 : StableDiffusionKind.Sd1;
        var configs = new StableDiffusionConfigSet(kind, textConfig,
            ConfigJson.Read<UNet2DConditionConfig>(Config("unet")), ConfigJson.Read<AutoencoderKLConfig>(Config("vae")), scheduler);

        var opened = new List<SafetensorsFile>();
        try
        {
            ComponentWeights Weights(int i)
            {
                var (component, _, _, stem) = DiffusersLayout.Networks[i];
                var file = SafetensorsFile.Open(DiffusersLayout.WeightsFile(folder, component, stem, dtype));
                opened.Add(file);
                // transformers < 4.31 saved the position-id buffer; it is arange(77) and not a weight.
                return ComponentWeights.SameNames(file, key => key == "text_model.embeddings.position_ids");
            }
            var text = Weights(0);
            var unet = Weights(1);
            var vae = Weights(2);
            string ownTokenizer = System.IO.Path.Combine(folder, DiffusersLayout.TokenizerFolder);
            tokenizerPath ??= TokenizerLocator.IsTokenizerFolder(ownTokenizer) ? ownTokenizer : TokenizerLocator.Find(kind);
            return new StableDiffusionCheckpoint(folder, false, configs, tokenizerPath, text, unet, vae, opened);
        }
        catch
        {
            foreach (var f in opened) f.Dispose();
            throw;
        }
    }

    static StableDiffusionCheckpoint OpenSingleFile(string path, string? tokenizerPath)
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
            var configs = SingleFileConfigs.Infer(file);
            var text = configs.Kind == StableDiffusionKind.Sd1
                ? Owned(file, SingleFileKeyMap.Clip(SingleFileConfigs.ClipHasTextModelLevel(file)), SingleFileKeyMap.ClipPrefix,
                    key => key.EndsWith("embeddings.position_ids", StringComparison.Ordinal))
                : Owned(file, SingleFileKeyMap.OpenClip(configs.TextEncoder), SingleFileKeyMap.OpenClipPrefix,
                    key => UnusedOpenClip(key, configs.TextEncoder.NumHiddenLayers));
            var unet = Owned(file, SingleFileKeyMap.UNet(configs.Unet), SingleFileKeyMap.UNetPrefix, _ => false);
            // Training checkpoints may carry the autoencoder's loss (discriminator, LPIPS): not part of the model.
            var vae = Owned(file, SingleFileKeyMap.Vae(configs.Vae), SingleFileKeyMap.VaePrefix,
                key => key.StartsWith(SingleFileKeyMap.VaePrefix + "loss.", StringComparison.Ordinal));
            return new StableDiffusionCheckpoint(path, true, configs, tokenizerPath ?? TokenizerLocator.Find(configs.Kind),
                text, unet, vae, [file]);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A component of a single file: the stored keys under its prefix, minus those that are not weights of ours.</summary>
    static ComponentWeights Owned(SafetensorsFile file, SingleFileNames names, string prefix, Func<string, bool> ignore) =>
        new(file, names.Locate, file.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !ignore(k)).ToList());

    /// <summary>OpenCLIP parts SD 2.x does not use: the image-text projection, the logit scale and the final block.</summary>
    static bool UnusedOpenClip(string key, int layers)
    {
        string rest = key[SingleFileKeyMap.OpenClipPrefix.Length..];
        if (rest is "text_projection" or "logit_scale" or "attn_mask") return true;
        const string blocks = "transformer.resblocks.";
        return rest.StartsWith(blocks, StringComparison.Ordinal) && int.TryParse(rest[blocks.Length..].Split('.')[0], out int n) && n >= layers;
    }

    /// <summary>Builds the three networks and reads their weights, converted to <paramref name="dtype"/>.</summary>
    /// <returns>Frozen (no gradients) models in eval mode.</returns>
    public StableDiffusionModel Load(ScalarType dtype = ScalarType.Float32)
    {
        ClipTextModel? text = null;
        UNet2DConditionModel? unet = null;
        AutoencoderKL? vae = null;
        try
        {
            text = new ClipTextModel(Configs.TextEncoder, META);
            WeightLoader.Load(text, TextEncoderWeights, dtype);
            unet = new UNet2DConditionModel(Configs.Unet, META);
            WeightLoader.Load(unet, UnetWeights, dtype);
            vae = new AutoencoderKL(Configs.Vae, META);
            WeightLoader.Load(vae, VaeWeights, dtype);
            return new StableDiffusionModel(Configs, text, unet, vae, Name, Path, TokenizerPath);
        }
        catch
        {
            text?.Dispose();
            unet?.Dispose();
            vae?.Dispose();
            throw;
        }
    }

    /// <summary>Parameter counts and stored dtypes of the three networks, checked against the configs without loading any weight.</summary>
    public IReadOnlyList<ComponentSummary> Summarize()
    {
        using var text = new ClipTextModel(Configs.TextEncoder, META);
        using var unet = new UNet2DConditionModel(Configs.Unet, META);
        using var vae = new AutoencoderKL(Configs.Vae, META);
        return
        [
            Summary("text_encoder", "CLIPTextModel", text, TextEncoderWeights),
            Summary("unet", "UNet2DConditionModel", unet, UnetWeights),
            Summary("vae", "AutoencoderKL", vae, VaeWeights),
        ];
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
