using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using LatentSharp.Schedulers;
using LatentSharp.Text;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// The parts of a diffusion run: tokenizer, frozen autoencoder, text encoder (trained from scratch, or
/// frozen from a base model), the U-Net being trained and the noise schedule. Built the same way when a
/// run starts and when it resumes; the checkpoint then overwrites the trained weights.
/// </summary>
internal sealed class DiffusionComponents : IDisposable
{
    public const string TokenizerFolder = "tokenizer";

    // Separate streams of the run seed for the two networks' initial weights.
    const ulong UnetInit = 0x0E7_1417UL, TextEncoderInit = 0x7E47_1417UL;

    DiffusionComponents(StableDiffusionKind kind, ClipTokenizer tokenizer, string tokenizerPath, AutoencoderKL vae, ClipTextModel textEncoder,
        UNet2DConditionModel unet, bool trainsTextEncoder, string schedulerConfigJson)
    {
        Kind = kind;
        Tokenizer = tokenizer;
        TokenizerPath = tokenizerPath;
        Vae = vae;
        TextEncoder = textEncoder;
        Unet = unet;
        TrainsTextEncoder = trainsTextEncoder;
        SchedulerConfigJson = schedulerConfigJson;
    }

    /// <summary>The base model's kind when fine-tuning; a new model is SD 1.x-shaped (CLIP with quick_gelu).</summary>
    public StableDiffusionKind Kind { get; }
    public ClipTokenizer Tokenizer { get; }
    public string TokenizerPath { get; }
    public AutoencoderKL Vae { get; private set; }
    public ClipTextModel TextEncoder { get; }
    public UNet2DConditionModel Unet { get; }
    public bool TrainsTextEncoder { get; }
    public string SchedulerConfigJson { get; }

    public static DiffusionComponents Build(TrainingRunFolder run, DiffusionTrainingOptions spec, IReadOnlyList<string> captions, Action<string>? report) =>
        spec.BaseModel is { } basePath ? FromBaseModel(basePath, spec) : FromScratch(run, spec, captions, report);

    /// <summary>
    /// Fine-tuning: the base model's tokenizer, VAE, schedule and text encoder — frozen, unless given a learning rate of
    /// its own — and its U-Net made trainable (or a new one).
    /// </summary>
    static DiffusionComponents FromBaseModel(string basePath, DiffusionTrainingOptions spec)
    {
        var model = StableDiffusionModel.Load(basePath);
        bool trainsTextEncoder = spec.TextEncoderLearningRate is > 0;
        if (trainsTextEncoder && model.TextEncoder2 is not null)
        {
            model.Dispose();
            throw new LatentSharpException("training the text encoders of a model with two (SDXL) is not supported; leave --text-encoder-lr out to keep them frozen");
        }
        var tokenizerPath = model.RequireTokenizerPath();
        UNet2DConditionModel unet;
        if (spec.Unet is { } config)
        {
            model.Unet.Dispose();
            unet = NewUnet(config, model.TextEncoder.Config.HiddenSize, model.Vae.Config.LatentChannels, spec.Optimization.Seed);
        }
        else
        {
            unet = model.Unet;
            foreach (var p in unet.parameters()) p.requires_grad = true;
        }
        if (trainsTextEncoder) foreach (var p in model.TextEncoder.parameters()) p.requires_grad = true;
        var schedule = (spec.Scheduler ?? SchedulerConfig.FromJson(model.SchedulerConfigJson)) with { PredictionType = spec.PredictionType };
        return new DiffusionComponents(model.Kind, ClipTokenizer.FromFolder(tokenizerPath), tokenizerPath, model.Vae, model.TextEncoder, unet,
            trainsTextEncoder, schedule.ToJson() + "\n");
    }

    /// <summary>A new model: a byte-pair vocabulary learned from the captions, a fresh text encoder and U-Net.</summary>
    static DiffusionComponents FromScratch(TrainingRunFolder run, DiffusionTrainingOptions spec, IReadOnlyList<string> captions, Action<string>? report)
    {
        string tokenizerPath = run[TokenizerFolder];
        ClipTokenizer tokenizer;
        if (Directory.Exists(tokenizerPath)) tokenizer = ClipTokenizer.FromFolder(tokenizerPath);
        else
        {
            tokenizer = BpeTrainer.Train(captions, spec.VocabSize);
            tokenizer.Save(tokenizerPath);
            report?.Invoke($"learned a {tokenizer.VocabSize}-token vocabulary from the captions ({tokenizerPath})");
        }
        var vae = AutoencoderFolder.Load(spec.Vae!);
        var textEncoder = new ClipTextModel(TextEncoderConfig(spec.TextEncoder ?? ShapesPresets.TextEncoder, tokenizer));
        WeightInitialization.Apply(textEncoder, spec.Optimization.Seed ^ TextEncoderInit);
        int latentSide = spec.Preprocessing.Resolution / vae.Config.DownscaleFactor;
        var unet = NewUnet(spec.Unet ?? ShapesPresets.Unet(latentSide, textEncoder.Config.HiddenSize),
            textEncoder.Config.HiddenSize, vae.Config.LatentChannels, spec.Optimization.Seed);
        var schedule = (spec.Scheduler ?? ShapesPresets.Scheduler(spec.PredictionType)) with { PredictionType = spec.PredictionType };
        return new DiffusionComponents(StableDiffusionKind.Sd1, tokenizer, tokenizerPath, vae, textEncoder, unet, trainsTextEncoder: true, schedule.ToJson() + "\n");
    }

    /// <summary>The text encoder config with the vocabulary size and special ids of the tokenizer it will read.</summary>
    public static ClipTextConfig TextEncoderConfig(ClipTextConfig config, ClipTokenizer tokenizer) => config with
    {
        VocabSize = tokenizer.VocabSize,
        BosTokenId = tokenizer.BosTokenId,
        EosTokenId = tokenizer.EosTokenId,
        PadTokenId = tokenizer.PadTokenId,
        MaxPositionEmbeddings = Math.Max(config.MaxPositionEmbeddings, tokenizer.ModelMaxLength),
    };

    static UNet2DConditionModel NewUnet(UNet2DConditionConfig config, int contextDim, int latentChannels, ulong seed)
    {
        if (config.CrossAttentionDimPerBlock().Any(d => d != contextDim))
            throw new LatentSharpException($"the U-Net's cross_attention_dim must equal the text encoder's hidden size {contextDim}");
        if (config.InChannels != latentChannels || config.OutChannels != latentChannels)
            throw new LatentSharpException($"the U-Net's in_channels and out_channels must equal the autoencoder's latent_channels {latentChannels}");
        var unet = new UNet2DConditionModel(config);
        WeightInitialization.Apply(unet, seed ^ UnetInit, "conv_out.");
        return unet;
    }

    /// <summary>
    /// Gives the autoencoder of a new model the scaling factor measured on the data (it is read from the
    /// vae folder again with the new config value; the weights are unchanged).
    /// </summary>
    public void UseScalingFactor(DiffusionTrainingOptions spec, double scalingFactor)
    {
        if (spec.Vae is null || Vae.Config.ScalingFactor == scalingFactor) return;
        var rescaled = AutoencoderFolder.Load(spec.Vae, c => c with { ScalingFactor = scalingFactor });
        Vae.Dispose();
        Vae = rescaled;
    }

    /// <summary>A U-Net and (if trained) text encoder of the same shapes, frozen, to hold the averaged weights for sampling and export.</summary>
    public (UNet2DConditionModel Unet, ClipTextModel TextEncoder) InferenceCopies()
    {
        var unet = new UNet2DConditionModel(Unet.Config, new Device(DeviceType.META));
        Layers.ParameterStorage.AllocateEmpty(unet, ScalarType.Float32);
        if (!TrainsTextEncoder) return (unet, TextEncoder);
        var textEncoder = new ClipTextModel(TextEncoder.Config, new Device(DeviceType.META));
        Layers.ParameterStorage.AllocateEmpty(textEncoder, ScalarType.Float32);
        return (unet, textEncoder);
    }

    public void Dispose()
    {
        Unet.Dispose();
        TextEncoder.Dispose();
        Vae.Dispose();
    }
}
