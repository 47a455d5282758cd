using System.Text.Json;
using LatentSharp.Autoencoder;
using LatentSharp.Imaging;
using LatentSharp.Shapes;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>How well an autoencoder reconstructs held-out images (from the posterior mean).</summary>
/// <param name="Psnr">Peak signal-to-noise ratio in dB over all held-out pixels, images in [0, 1].</param>
/// <param name="JudgeAgreement">Share of images whose reconstruction <see cref="ShapesJudge"/> reads exactly as it reads the original; null unless asked for.</param>
public sealed record AutoencoderEvaluation(long Step, int Images, double Psnr, double? JudgeAgreement);

/// <summary>
/// Trains an AutoencoderKL: L1 reconstruction of a latent drawn from the posterior, plus a small KL term
/// toward N(0, I) (see <see cref="AutoencoderTrainingOptions.KlWeight"/>). The LDM autoencoders add a
/// perceptual term (LPIPS, which needs a pretrained VGG we do not have) and an adversarial one for photographic
/// texture; flat-colour shapes have none, and L1 alone keeps improving their reconstructions (README, training
/// section), so both are left out. A fixed, seeded share of the images is held out
/// and measured (<see cref="Evaluate"/>) at every sample step; results go to <c>eval.jsonl</c>.
/// </summary>
public sealed class AutoencoderTrainer : Trainer
{
    public const string Kind = "vae";
    const ulong InitStream = 0xA0E_1417UL, SplitStream = 0x5B117UL;
    const int GridImages = 8, EvaluationBatch = 32;

    readonly AutoencoderTrainingOptions spec;
    readonly AutoencoderKL vae;
    readonly AutoencoderKL inferenceVae;
    /// <summary>The base autoencoder, frozen, whose latents <see cref="AutoencoderTrainingOptions.KeepLatentsWeight"/> holds to; else null.</summary>
    readonly AutoencoderKL? anchor;
    readonly ModuleGroup inferenceWeights;
    readonly Tensor images;
    readonly Tensor trainIndices;
    readonly Tensor validationIndices;
    readonly DataOrder order;

    AutoencoderTrainer(TrainingRunFolder run, AutoencoderTrainingOptions spec, AutoencoderKL vae, ModuleGroup trainable, Tensor images)
        : base(run, spec.Optimization, trainable)
    {
        this.spec = spec;
        this.vae = vae;
        this.images = images;
        (trainIndices, validationIndices) = Split((int)images.shape[0], spec.ValidationCount, spec.Optimization.Seed);
        order = new DataOrder((int)trainIndices.shape[0], spec.Optimization.Seed);
        inferenceVae = Loop.Ema is null ? vae : AllocatedCopy(vae);
        inferenceWeights = Loop.Ema is null ? trainable : new ModuleGroup(("vae", inferenceVae));
        anchor = spec.KeepLatentsWeight > 0 ? FrozenBase(spec.BaseVae!) : null;
    }

    static AutoencoderKL FrozenBase(string path)
    {
        var frozen = AutoencoderFolder.Load(path);
        foreach (var parameter in frozen.parameters()) parameter.requires_grad = false;
        frozen.eval();
        return frozen;
    }

    /// <summary>
    /// A frozen copy of <paramref name="vae"/> to hold the averaged weights. The average covers the trained parameters
    /// only, so the rest (a frozen encoder) is copied here once.
    /// </summary>
    static AutoencoderKL AllocatedCopy(AutoencoderKL vae)
    {
        var copy = new AutoencoderKL(vae.Config, new Device(DeviceType.META));
        Layers.ParameterStorage.AllocateEmpty(copy, ScalarType.Float32);
        using var _ = no_grad();
        var source = vae.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in copy.named_parameters()) parameter.copy_(source[name]);
        return copy;
    }

    /// <summary>The autoencoder as it would be exported now (averaged weights after the last evaluation or export, when averaging).</summary>
    public AutoencoderKL Vae => inferenceVae;
    public int TrainingImages => (int)trainIndices.shape[0];
    public int ValidationImages => (int)validationIndices.shape[0];

    protected override string Title => "autoencoder training loss (L1 + KL)";

    public static AutoencoderTrainer Create(string runFolder, AutoencoderTrainingOptions options, Action<string>? report = null)
    {
        options.Validate();
        if (options.BaseVae is not null && options.Vae is not null)
            throw new LatentSharpException("a fine-tuned autoencoder keeps its base's config; give a base autoencoder or a config, not both");
        var baseConfig = options.BaseVae is { } path ? AutoencoderFolder.ReadConfig(path) : null;
        var run = new TrainingRunFolder(runFolder);
        run.Create(options, Kind);
        var resolved = options with { Vae = options.Vae ?? baseConfig ?? ShapesPresets.Vae(options.Preprocessing.Resolution) };
        run.Update(resolved, Kind);
        return Build(run, resolved, report);
    }

    public static AutoencoderTrainer Resume(string runFolder, Action<string>? report = null)
    {
        var run = new TrainingRunFolder(runFolder);
        return Restored(Build(run, run.Read<AutoencoderTrainingOptions>(Kind).Validate(), report));
    }

    static AutoencoderTrainer Build(TrainingRunFolder run, AutoencoderTrainingOptions spec, Action<string>? report)
    {
        var config = spec.Vae ?? ShapesPresets.Vae(spec.Preprocessing.Resolution);
        using var data = ImageFolderDataset.Load(spec.DataFolder, spec.Preprocessing);
        if (data.Resolution % config.DownscaleFactor != 0)
            throw new LatentSharpException($"the resolution {data.Resolution} is not a multiple of the autoencoder's downscale factor {config.DownscaleFactor}");
        report?.Invoke($"{data.Count} images from {spec.DataFolder}" + (data.Skipped.Count > 0 ? $", {data.Skipped.Count} skipped (first: {data.Skipped[0]})" : ""));
        var vae = spec.BaseVae is { } path ? AutoencoderFolder.Load(path) : new AutoencoderKL(config);
        if (spec.BaseVae is null) WeightInitialization.Apply(vae, spec.Optimization.Seed ^ InitStream);
        foreach (var (name, parameter) in vae.named_parameters()) parameter.requires_grad = !spec.DecoderOnly || IsDecoderParameter(name);
        long trained = vae.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        report?.Invoke($"autoencoder {vae.parameters().Sum(p => p.numel()) / 1e6:F2}M parameters ({(spec.BaseVae is null ? "new" : $"from {spec.BaseVae}")}, " +
                       $"{trained / 1e6:F2}M trained), {config.DownscaleFactor}× downscale, {config.LatentChannels} latent channels");
        var trainable = new ModuleGroup(("vae", vae));
        return new AutoencoderTrainer(run, spec, vae, trainable, data.Images.clone());
    }

    /// <summary>The decoder's side of the latent: what a decoder-only fine-tune trains (diffusers' names).</summary>
    static bool IsDecoderParameter(string name) => name.StartsWith("decoder.") || name.StartsWith("post_quant_conv.");

    /// <summary>A seeded choice of held-out images: at most <paramref name="wanted"/>, at most a fifth of the data.</summary>
    static (Tensor Train, Tensor Validation) Split(int count, int wanted, ulong seed)
    {
        int held = Math.Min(wanted, count / 5);
        var random = DeterministicRandom.ForItem(seed ^ SplitStream, 0);
        var all = Enumerable.Range(0, count).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (all[i], all[j]) = (all[j], all[i]);
        }
        long[] validation = all[..held].Order().Select(i => (long)i).ToArray();
        long[] train = all[held..].Order().Select(i => (long)i).ToArray();
        return (tensor(train, ScalarType.Int64), tensor(validation, ScalarType.Int64));
    }

    protected override Tensor Loss(long step, int microBatch, Generator random)
    {
        int batch = Options.BatchSize;
        var indices = trainIndices.index_select(0, order.Batch(step * Options.GradientAccumulation + microBatch, batch));
        var pixels = ToModelSpace(Crop(images.index_select(0, indices), random));
        if (spec.RandomFlip) pixels = where(rand([batch, 1, 1, 1], generator: random) < 0.5, pixels.flip(3), pixels);
        // drawn only when asked for, so runs without it keep their random stream (and resume bit for bit)
        var recolored = zeros([batch, 1, 1, 1], ScalarType.Bool);
        if (spec.RecolorProbability > 0) (pixels, recolored) = RandomRecolor.Apply(pixels, spec.RecolorProbability, random);

        var posterior = EncodeForTraining(pixels);
        var latent = posterior.Sample(randn(posterior.Mean.shape, generator: random));
        var reconstruction = vae.Decode(latent);
        var l1 = (reconstruction - pixels).abs().mean();
        if (spec.DecoderOnly) return l1; // the KL term depends on the frozen encoder alone
        var klPerImage = 0.5 * (posterior.Mean.square() + posterior.LogVar.exp() - 1 - posterior.LogVar).sum() / batch;
        var loss = l1 + spec.KlWeight / (pixels.numel() / batch) * klPerImage;
        return anchor is null ? loss : loss + DriftFromBase(pixels, posterior.Mean, recolored, random);
    }

    /// <summary>
    /// How far the autoencoder has moved from the base on the images that kept their colours (the recoloured ones are
    /// what it is meant to learn anew), weighted by <see cref="AutoencoderTrainingOptions.KeepLatentsWeight"/>: the
    /// encoder's latents' mean squared distance from the base's, and with
    /// <see cref="AutoencoderTrainingOptions.KeepDecoderNoise"/> the L1 distance of the decoder's images from the
    /// base decoder's, both decoding the base's latents moved by that much noise.
    /// </summary>
    Tensor DriftFromBase(Tensor pixels, Tensor mean, Tensor recolored, Generator random)
    {
        var kept = recolored.logical_not().to_type(ScalarType.Float32).flatten();
        Tensor target;
        using (no_grad()) target = anchor!.Encode(pixels).Mean;
        var drift = KeptMean((mean - target).square(), kept);
        if (spec.KeepDecoderNoise <= 0) return spec.KeepLatentsWeight * drift;
        // the noise is in the U-Net's units (latents × scaling factor, about unit variance)
        var nearby = target + spec.KeepDecoderNoise / anchor.Config.ScalingFactor * randn(target.shape, generator: random);
        Tensor expected;
        using (no_grad()) expected = anchor.Decode(nearby);
        return spec.KeepLatentsWeight * (drift + KeptMean((vae.Decode(nearby) - expected).abs(), kept));
    }

    /// <summary>Mean of <paramref name="values"/> over the kept images; 0 when none is kept.</summary>
    static Tensor KeptMean(Tensor values, Tensor kept) =>
        (values.flatten(1).mean([1]) * kept).sum() / kept.sum().clamp_min(1);

    /// <summary>The posterior; without a graph when only the decoder learns (half the backward pass saved).</summary>
    DiagonalGaussianDistribution EncodeForTraining(Tensor pixels)
    {
        if (!spec.DecoderOnly) return vae.Encode(pixels);
        using var _ = no_grad();
        return vae.Encode(pixels);
    }

    /// <summary>One random window for the whole micro-batch (its images are random already).</summary>
    Tensor Crop(Tensor batch, Generator random)
    {
        if (spec.CropSize is not { } size) return batch;
        var offsets = randint(0, batch.shape[^1] - size + 1, [2], generator: random).data<long>().ToArray();
        return batch.narrow(2, offsets[0], size).narrow(3, offsets[1], size);
    }

    static Tensor ToModelSpace(Tensor bytes) => bytes.to_type(ScalarType.Float32) / 127.5 - 1;

    /// <summary>Reconstructs the held-out images (the training images when none are held out) and measures them.</summary>
    public AutoencoderEvaluation Evaluate()
    {
        CopyWeightsForInference(inferenceWeights);
        using var _ = no_grad();
        inferenceVae.eval();
        var indices = ValidationImages > 0 ? validationIndices : trainIndices;
        double squaredError = 0;
        long values = 0;
        int agreeing = 0, count = (int)indices.shape[0];
        for (int start = 0; start < count; start += EvaluationBatch)
        {
            using var scope = NewDisposeScope();
            var (original, reconstruction) = Reconstruct(indices.narrow(0, start, Math.Min(EvaluationBatch, count - start)));
            squaredError += (reconstruction - original).square().to_type(ScalarType.Float64).sum().item<double>();
            values += original.numel();
            if (spec.JudgeShapes) agreeing += JudgeAgreements(original, reconstruction);
        }
        double psnr = 10 * Math.Log10(1 / Math.Max(squaredError / values, 1e-12));
        return new AutoencoderEvaluation(State.Step, count, psnr, spec.JudgeShapes ? agreeing / (double)count : null);
    }

    /// <summary>Originals and reconstructions (posterior mean) in [0, 1].</summary>
    (Tensor Original, Tensor Reconstruction) Reconstruct(Tensor indices)
    {
        var pixels = ToModelSpace(images.index_select(0, indices));
        using var posterior = inferenceVae.Encode(pixels);
        var reconstruction = inferenceVae.Decode(posterior.Mean);
        return ((pixels + 1) / 2, ((reconstruction + 1) / 2).clamp(0, 1));
    }

    static int JudgeAgreements(Tensor original, Tensor reconstruction)
    {
        var originals = ImageTensors.FromUnitRange(original);
        var reconstructions = ImageTensors.FromUnitRange(reconstruction);
        return originals.Zip(reconstructions).Count(pair => SameReading(ShapesJudge.Judge(pair.First), ShapesJudge.Judge(pair.Second)));
    }

    static bool SameReading(ShapesVerdict a, ShapesVerdict b) =>
        a.Found == b.Found && a.Background == b.Background &&
        (!a.Found || (a.Shape == b.Shape && a.Color == b.Color && a.Size == b.Size && a.Position == b.Position));

    /// <summary>Held-out originals over their reconstructions, and one line in eval.jsonl.</summary>
    protected override void WriteSamples(string path)
    {
        var evaluation = Evaluate();
        File.AppendAllText(Run.EvalLog, JsonSerializer.Serialize(evaluation, ConfigJson.Options).ReplaceLineEndings("") + "\n");
        var indices = ValidationImages > 0 ? validationIndices : trainIndices;
        using var scope = NewDisposeScope();
        var (original, reconstruction) = Reconstruct(indices.narrow(0, 0, Math.Min(GridImages, indices.shape[0])));
        var cells = ImageTensors.FromUnitRange(original).Concat(ImageTensors.FromUnitRange(reconstruction)).ToList();
        var grid = ImageGrid.Compose(cells, cells.Count / 2, new GridLabels { RowHeaders = ["original", "reconstructed"] });
        PngWriter.Write(path, grid);
    }

    /// <summary>
    /// Writes the diffusers <c>vae/</c> folder, its scaling factor set to 1 / the standard deviation of the
    /// training images' latents (as Stable Diffusion's 0.18215 was measured) — or kept from the base when the latents
    /// are the base's (decoder only, or held to them), since the U-Nets trained on them are too.
    /// </summary>
    public void Export(string folder, ScalarType? dtype = null)
    {
        CopyWeightsForInference(inferenceWeights);
        if (spec.KeepsBaseLatents)
        {
            AutoencoderFolder.Save(inferenceVae, folder, dtype);
            return;
        }
        double factor;
        using (var sample = trainIndices.narrow(0, 0, Math.Min(1024, trainIndices.shape[0])))
        using (var subset = images.index_select(0, sample))
        using (var latents = LatentCache.Encode(inferenceVae, subset))
            factor = latents.ScalingFactor();
        AutoencoderFolder.Save(inferenceVae, folder, dtype, inferenceVae.Config with { ScalingFactor = factor });
    }

    public override void Dispose()
    {
        base.Dispose();
        if (!ReferenceEquals(inferenceVae, vae))
        {
            inferenceVae.Dispose();
            inferenceWeights.Dispose();
        }
        vae.Dispose();
        anchor?.Dispose();
        Trainable.Dispose();
        images.Dispose();
        trainIndices.Dispose();
        validationIndices.Dispose();
    }
}
