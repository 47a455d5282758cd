using System.Globalization;
using System.Security.Cryptography;
using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Schedulers;
using LatentSharp.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Trains a LoRA on a frozen base model (<c>sd train lora</c>) and writes it as a kohya-format .safetensors.
/// <para>
/// Each step merges the current ΔW = (alpha / rank) · B · A into the target layers (W = W₀ + ΔW, W₀ kept aside), so
/// the model's own forward pass runs unchanged and as fast as inference; autograd gives ∂L/∂W for the target
/// weights only, and the chain rule through ΔW turns that into the LoRA's gradients ∂L/∂B = (alpha/rank)·G·Aᵀ and
/// ∂L/∂A = (alpha/rank)·Bᵀ·G — exactly what an unmerged LoRA layer would get. The loss handed to the training loop
/// is L plus a term of value 0 whose gradient is that (<see cref="Loss"/>), so checkpoints, resume, EMA, clipping
/// and logging are the ones every run shares.
/// </para>
/// </summary>
public sealed class LoraTrainer : Trainer
{
    public const string Kind = "lora";

    readonly LoraTrainingOptions spec;
    readonly StableDiffusionModel model;
    readonly ClipTokenizer tokenizer;
    readonly LatentCache latents;
    readonly Tensor tokenIds, emptyPromptIds;
    readonly CaptionedLatents data;
    readonly int images;
    readonly DiffusionObjective objective;
    readonly LoraNetwork network;
    readonly WordEmbedding? word;
    readonly LoraNetwork? averaged;
    readonly WordEmbedding? averagedWord;
    readonly ModuleGroup? averagedGroup;
    readonly Dictionary<Parameter, Tensor> baseWeights = new(ReferenceEqualityComparer.Instance);

    LoraTrainer(TrainingRunFolder run, LoraTrainingOptions spec, StableDiffusionModel model, ClipTokenizer tokenizer, LatentCache latents,
        IReadOnlyList<string> captions, int originals, LoraNetwork network, WordEmbedding? word)
        : base(run, spec.Optimization, Group(network, word))
    {
        this.spec = spec;
        this.model = model;
        this.tokenizer = tokenizer;
        this.latents = latents;
        this.network = network;
        this.word = word;
        images = captions.Count;
        tokenIds = tokenizer.EncodeBatch(captions);
        emptyPromptIds = tokenizer.EncodeBatch([""]);
        data = new CaptionedLatents(latents, new DataOrder(originals, spec.Optimization.Seed), tokenIds, emptyPromptIds, originals,
            model.Vae.Config.ScalingFactor);
        var schedule = SchedulerConfig.FromJson(model.SchedulerConfigJson);
        objective = new DiffusionObjective(schedule, schedule.PredictionType ?? DiffusionObjective.Epsilon);
        foreach (var (_, target) in network.Targets)
        {
            baseWeights[target.Weight] = target.Weight.detach().clone().DetachFromDisposeScope();
            target.Weight.requires_grad = true;
        }
        // The text encoder reads the word's row straight from the trained parameter (the same tensor, so gradients reach it).
        if (word != null) model.TextEncoder.AddedTokenRows = word.Vectors;
        if (Loop.Ema != null)
        {
            averaged = new LoraNetwork(network.Targets, network.Rank, network.Alpha, spec.Optimization.Seed);
            averagedWord = word is null ? null : new WordEmbedding(word.Vectors);
            averagedGroup = Group(averaged, averagedWord);
            foreach (var p in averagedGroup.parameters()) p.requires_grad = false;
        }
    }

    /// <summary>What the run trains: the LoRA's matrices, and the new word's vector when there is one.</summary>
    static ModuleGroup Group(LoraNetwork lora, WordEmbedding? word) =>
        word is null ? new ModuleGroup(("lora", lora)) : new ModuleGroup(("lora", lora), ("embedding", word));

    public StableDiffusionModel BaseModel => model;

    protected override string Title => $"LoRA training loss (rank {spec.Rank}, alpha {spec.EffectiveAlpha.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>Starts a new run in <paramref name="runFolder"/> (which must be new or empty).</summary>
    public static LoraTrainer Create(string runFolder, LoraTrainingOptions options, Action<string>? report = null)
    {
        options.Validate();
        var run = new TrainingRunFolder(runFolder);
        run.Create(options, Kind);
        return Build(run, options, report);
    }

    /// <summary>Continues the run in <paramref name="runFolder"/> from its newest checkpoint.</summary>
    public static LoraTrainer Resume(string runFolder, Action<string>? report = null)
    {
        var run = new TrainingRunFolder(runFolder);
        return Restored(Build(run, run.Read<LoraTrainingOptions>(Kind).Validate(), report));
    }

    static LoraTrainer Build(TrainingRunFolder run, LoraTrainingOptions spec, Action<string>? report)
    {
        var model = StableDiffusionModel.Load(spec.BaseModel);
        ImageFolderDataset? data = null;
        LatentCache? latents = null;
        WordEmbedding? word = null;
        try
        {
            var tokenizer = ClipTokenizer.FromFolder(model.RequireTokenizerPath());
            data = ImageFolderDataset.LoadForTraining(spec.DataFolder, spec.Preprocessing, spec.RandomFlip, report, out int originals);
            if (data.Resolution % model.Vae.Config.DownscaleFactor != 0)
                throw new LatentSharpException($"the resolution {data.Resolution} is not a multiple of the autoencoder's downscale factor {model.Vae.Config.DownscaleFactor}");
            // Before the images are encoded, which can take minutes: a new word the captions never use would train nothing.
            if (spec.NewWord is { } newWord)
            {
                if (!data.Captions.Any(c => c.Contains(newWord, StringComparison.Ordinal)))
                    throw new LatentSharpException($"--new-word '{newWord}' occurs in none of the captions of {spec.DataFolder}");
                (tokenizer, word) = NewWord(model, tokenizer, newWord, spec.NewWordInit);
            }
            latents = LoadOrEncodeLatents(run, model, data, report);

            var table = LoraModuleTable.For(model);
            var targets = table.Targets.Where(t => IsTarget(t, spec)).OrderBy(t => t.Component).ThenBy(t => t.ModulePath, StringComparer.Ordinal)
                .Select(t => (table.KohyaName(t.Component, t.ModulePath), t)).ToList();
            if (targets.Count == 0) throw new LatentSharpException($"{spec.BaseModel}: the model has no layers to train a LoRA on");
            var network = new LoraNetwork(targets, spec.Rank, spec.EffectiveAlpha, spec.Optimization.Seed);
            report?.Invoke($"LoRA rank {spec.Rank}, alpha {spec.EffectiveAlpha.ToString(CultureInfo.InvariantCulture)} on {targets.Count} layers " +
                           $"({network.parameters().Sum(p => p.numel()):N0} parameters); {model.Name} frozen" +
                           (word != null ? $"; the new word '{spec.NewWord}' learned as one token, from '{spec.NewWordInit ?? spec.NewWord}'" : ""));
            return new LoraTrainer(run, spec, model, tokenizer, latents, data.Captions, originals, network, word);
        }
        catch
        {
            word?.Dispose();
            latents?.Dispose();
            model.Dispose();
            throw;
        }
        finally
        {
            data?.Dispose();
        }
    }

    /// <summary>The tokenizer with the new word added and the word's vector, started from <paramref name="initWord"/>'s tokens (or its own pieces).</summary>
    static (ClipTokenizer, WordEmbedding) NewWord(StableDiffusionModel model, ClipTokenizer tokenizer, string newWord, string? initWord)
    {
        if (model.TextEncoder2 != null) throw new LatentSharpException("--new-word: SD 1.x/2.x models only (one text encoder)");
        if (tokenizer.Config.AddedTokens.Values.Any(t => t.Content == newWord)) throw new LatentSharpException($"--new-word: '{newWord}' is already a special token");
        using var initial = WordEmbedding.InitialVector(model.TextEncoder, tokenizer, initWord ?? newWord);
        return (WordEmbedding.AddWord(tokenizer, model.TextEncoder, newWord), new WordEmbedding(initial));
    }

    static readonly string[] AttentionLayers = [".to_q", ".to_k", ".to_v", ".to_out.0"];
    static readonly string[] TransformerLayers = [.. AttentionLayers, ".ff.net.0.proj", ".ff.net.2", ".proj_in", ".proj_out"];
    static readonly string[] TextAttentionLayers = [".self_attn.q_proj", ".self_attn.k_proj", ".self_attn.v_proj", ".self_attn.out_proj"];
    // kohya's text-encoder set (CLIPAttention and CLIPMLP), taken with the transformer and LoCon sets: the MLP acts on each
    // token by itself, which attention does not (for the shapes pink LoRA it measured no better: 25.0% against 25.8%).
    static readonly string[] TextLayers = [.. TextAttentionLayers, ".mlp.fc1", ".mlp.fc2"];

    static readonly string[] ResnetLayers = [".conv1", ".conv2", ".conv_shortcut", ".time_emb_proj"];

    static bool IsTarget(LoraTarget t, LoraTrainingOptions spec) => t.Component switch
    {
        "unet" => IsTransformerTarget(t.ModulePath, spec.Targets) || (spec.Targets == LoraTargets.Locon && IsConvolutionTarget(t.ModulePath)),
        "text_encoder" => spec.TrainTextEncoder
            && (spec.Targets == LoraTargets.Attention ? TextAttentionLayers : TextLayers).Any(l => t.ModulePath.EndsWith(l, StringComparison.Ordinal)),
        _ => false,
    };

    static bool IsTransformerTarget(string path, LoraTargets targets) =>
        path.Contains(".attentions.", StringComparison.Ordinal)
        && (targets == LoraTargets.Attention ? AttentionLayers : TransformerLayers).Any(l => path.EndsWith(l, StringComparison.Ordinal));

    /// <summary>LoCon's extra layers: the ResNet blocks' and the samplers' (kohya leaves conv_in / conv_out alone).</summary>
    static bool IsConvolutionTarget(string path) =>
        (path.Contains(".resnets.", StringComparison.Ordinal) && ResnetLayers.Any(l => path.EndsWith(l, StringComparison.Ordinal)))
        || ((path.Contains(".downsamplers.", StringComparison.Ordinal) || path.Contains(".upsamplers.", StringComparison.Ordinal))
            && path.EndsWith(".conv", StringComparison.Ordinal));

    static LatentCache LoadOrEncodeLatents(TrainingRunFolder run, StableDiffusionModel model, ImageFolderDataset data, Action<string>? report)
    {
        string path = run[DiffusionTrainer.LatentCacheFile];
        if (LatentCache.TryLoad(path, data.Count) is { } cached) return cached;
        report?.Invoke($"encoding {data.Count} images to latents (once; cached in {path})");
        var encoded = LatentCache.Encode(model.Vae, data.Images);
        encoded.Save(path);
        return encoded;
    }

    /// <summary>W = W₀ + ΔW for every target, from <paramref name="weights"/> (the trained or the averaged matrices).</summary>
    void Merge(LoraNetwork weights)
    {
        using var _ = no_grad();
        for (int i = 0; i < weights.Targets.Count; i++)
        {
            using var scope = NewDisposeScope();
            var weight = weights.Targets[i].Target.Weight;
            weight.copy_(baseWeights[weight] + weights.Delta(i));
        }
    }

    protected override Tensor Loss(long step, int microBatch, Generator random)
    {
        Merge(network);
        var (noisy, target, timesteps, ids) = data.Draw(step * Options.GradientAccumulation + microBatch, Options.BatchSize,
            spec.RandomFlip, spec.CaptionDropout, objective, random);
        Tensor context;
        if (spec.TrainTextEncoder || word != null) context = model.TextEncoder.PromptEmbeddings(ids);
        else using (no_grad()) context = model.TextEncoder.PromptEmbeddings(ids);
        var loss = objective.Loss(model.Unet.forward(noisy, timesteps, context), target, timesteps, spec.SnrGamma, spec.SnrFloor);

        return WithLoraGradients(loss, network.Targets.Select(t => (Tensor)t.Target.Weight).ToList(), network.Delta,
            word is null ? [] : [word.Vectors]);
    }

    /// <summary>
    /// The loss to back-propagate for a LoRA merged into <paramref name="weights"/>: its value is <paramref name="loss"/>'s,
    /// and its gradient with respect to A and B is the LoRA's. With G = ∂L/∂W of each weight (autograd, the weights
    /// requiring gradients), Σ⟨G, ΔW(A, B)⟩ has exactly those gradients; subtracting its own value leaves L.
    /// Parameters the loss depends on directly (<paramref name="direct"/>: a new word's vector) get their own gradient
    /// through the same sum, as ⟨∂L/∂p, p⟩.
    /// </summary>
    internal static Tensor WithLoraGradients(Tensor loss, IReadOnlyList<Tensor> weights, Func<int, Tensor> delta, IReadOnlyList<Tensor>? direct = null)
    {
        direct ??= [];
        var gradients = autograd.grad([loss], [.. weights, .. direct]);
        Tensor? coupling = null;
        for (int i = 0; i < gradients.Count; i++)
        {
            var term = (gradients[i].detach() * (i < weights.Count ? delta(i) : direct[i - weights.Count])).sum();
            coupling = coupling is null ? term : coupling + term;
        }
        return loss.detach() + (coupling! - coupling!.detach());
    }

    protected override void WriteSamples(string path)
    {
        var weights = Averaged();
        Merge(weights);
        if (word != null) model.TextEncoder.AddedTokenRows = (averagedWord ?? word).Vectors;
        try
        {
            PngWriter.Write(path, SampleGrid.Render(model, tokenizer, spec.Samples));
        }
        finally
        {
            if (word != null) model.TextEncoder.AddedTokenRows = word.Vectors;
        }
    }

    /// <summary>The matrices samples and the export use: the moving average when the run keeps one.</summary>
    LoraNetwork Averaged()
    {
        if (averaged is null) return network;
        CopyWeightsForInference(averagedGroup!);
        return averaged;
    }

    /// <summary>The new word's embedding file for a LoRA written to <paramref name="loraPath"/>: WORD.safetensors beside it; null without a new word.</summary>
    public string? WordEmbeddingPath(string loraPath) =>
        spec.NewWord is { } w ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(loraPath))!, w + ".safetensors") : null;

    /// <summary>Throws when the new word's embedding would overwrite the LoRA at <paramref name="loraPath"/> (a LoRA named WORD.safetensors).</summary>
    public void CheckWordEmbeddingPath(string loraPath)
    {
        if (WordEmbeddingPath(loraPath) is { } path && path == Path.GetFullPath(loraPath))
            throw new LatentSharpException($"the LoRA and the embedding of '{spec.NewWord}' would both be {path}: give the LoRA another name");
    }

    /// <summary>
    /// Writes the new word's vector (the moving average when the run keeps one) as an A1111 embedding at
    /// <see cref="WordEmbeddingPath"/>, for <c>--embedding</c> beside <c>--lora</c>; returns its path, or null without a new word.
    /// </summary>
    public string? ExportWord(string loraPath, ScalarType? dtype = null)
    {
        CheckWordEmbeddingPath(loraPath);
        if (WordEmbeddingPath(loraPath) is not { } path) return null;
        Averaged();
        WordEmbedding.Export(path, (averagedWord ?? word)!.Vectors, spec.NewWord!, State.Step, dtype);
        return path;
    }

    /// <summary>
    /// Writes the LoRA as a kohya / A1111 .safetensors (lora_down, lora_up, alpha per layer) with kohya's ss_* training
    /// record and its sshs_model_hash, readable by A1111, ComfyUI, diffusers' load_lora_weights and <see cref="LoraFile"/>.
    /// </summary>
    /// <param name="dtype">Float16 halves the size (kohya's default save precision); default float32.</param>
    public void Export(string path, ScalarType? dtype = null)
    {
        var tensors = Averaged().KohyaTensors().Select(kv => new KeyValuePair<string, Tensor>(kv.Key,
            kv.Value.to_type(dtype ?? ScalarType.Float32).contiguous())).ToList();
        try
        {
            var metadata = Metadata(path, DataHash(tensors));
            SafetensorsWriter.Write(path, tensors, metadata);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    Dictionary<string, string> Metadata(string path, string hash)
    {
        string Number(double v) => v.ToString(CultureInfo.InvariantCulture);
        var o = spec.Optimization;
        return new Dictionary<string, string>
        {
            ["ss_network_module"] = "networks.lora",
            ["ss_network_dim"] = spec.Rank.ToString(CultureInfo.InvariantCulture),
            ["ss_network_alpha"] = Number(spec.EffectiveAlpha),
            ["ss_network_args"] = $"{{\"targets\": \"{spec.Targets.ToString().ToLowerInvariant()}\"}}",
            ["ss_base_model_version"] = model.Kind == StableDiffusionKind.Sd2 ? "sd_v2" : "sd_v1",
            ["ss_v2"] = model.Kind == StableDiffusionKind.Sd2 ? "True" : "False",
            ["ss_sd_model_name"] = model.Name,
            ["ss_output_name"] = Path.GetFileNameWithoutExtension(path),
            ["ss_steps"] = State.Step.ToString(CultureInfo.InvariantCulture),
            ["ss_max_train_steps"] = o.Steps.ToString(CultureInfo.InvariantCulture),
            ["ss_learning_rate"] = Number(o.LearningRate),
            ["ss_unet_lr"] = Number(o.LearningRate),
            ["ss_text_encoder_lr"] = spec.TrainTextEncoder ? Number(o.LearningRate) : "0",
            ["ss_network_train_unet_only"] = spec.TrainTextEncoder ? "False" : "True",
            ["ss_batch_size_per_device"] = o.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["ss_gradient_accumulation_steps"] = o.GradientAccumulation.ToString(CultureInfo.InvariantCulture),
            ["ss_num_train_images"] = images.ToString(CultureInfo.InvariantCulture),
            ["ss_resolution"] = $"({spec.Preprocessing.Resolution}, {spec.Preprocessing.Resolution})",
            ["ss_seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["ss_caption_dropout_rate"] = Number(spec.CaptionDropout),
            ["ss_min_snr_gamma"] = spec.SnrGamma is { } g ? Number(g) : "None",
            ["ss_training_comment"] = "trained with LatentSharp (sd train lora)",
            ["sshs_model_hash"] = hash,
        };
    }

    /// <summary>SHA-256 of the file's data section (the tensors' bytes in order): the "addnet" hash A1111 shows for LoRAs.</summary>
    static string DataHash(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (_, t) in tensors) sha.AppendData(t.bytes);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var copy in baseWeights.Values) copy.Dispose();
        averaged?.Dispose();
        network.Dispose();
        averagedWord?.Dispose();
        word?.Dispose();
        objective.Dispose();
        tokenIds.Dispose();
        emptyPromptIds.Dispose();
        latents.Dispose();
        model.Dispose();
    }
}
