using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Trains a text-conditioned latent diffusion U-Net (and, for a new model, its text encoder) on an image
/// folder: images are encoded once into a <see cref="LatentCache"/>; each step draws a batch in the run's
/// <see cref="DataOrder"/>, a latent from each posterior, a timestep and noise, replaces a share of the
/// captions by the empty prompt (for classifier-free guidance), and regresses the U-Net's output on ε or
/// v (<see cref="DiffusionObjective"/>). Samples and the exported pipeline use the EMA weights.
/// </summary>
public sealed class DiffusionTrainer : Trainer
{
    public const string Kind = "unet";
    public const string LatentCacheFile = "latents.safetensors";

    readonly DiffusionTrainingOptions spec;
    readonly DiffusionComponents parts;
    readonly LatentCache latents;
    readonly Tensor tokenIds;
    readonly Tensor emptyPromptIds;
    readonly CaptionedLatents data;
    readonly DiffusionObjective objective;
    readonly StableDiffusionModel inference;
    readonly ModuleGroup inferenceWeights;
    readonly List<IDisposable> owned;
    readonly AdherenceLog adherenceLog;
    readonly Action<string>? report;

    DiffusionTrainer(TrainingRunFolder run, DiffusionTrainingOptions spec, DiffusionComponents parts, LatentCache latents,
        IReadOnlyList<string> captions, int originals, ModuleGroup trainable, Action<string>? report)
        : base(run, spec.Optimization, trainable)
    {
        this.spec = spec;
        this.report = report;
        adherenceLog = new AdherenceLog(run.EvalLog, run.EvalPlot);
        this.parts = parts;
        this.latents = latents;
        ScalingFactor = parts.Vae.Config.ScalingFactor;
        tokenIds = parts.Tokenizer.EncodeBatch(captions);
        emptyPromptIds = parts.Tokenizer.EncodeBatch([""]);
        data = new CaptionedLatents(latents, new DataOrder(originals, spec.Optimization.Seed), tokenIds, emptyPromptIds, originals, ScalingFactor);
        objective = new DiffusionObjective(SchedulerConfig.FromJson(parts.SchedulerConfigJson), spec.PredictionType);
        owned = [parts, latents, tokenIds, emptyPromptIds, objective, trainable];

        var (unet, textEncoder) = Loop.Ema is null ? (parts.Unet, parts.TextEncoder) : parts.InferenceCopies();
        var configs = new StableDiffusionConfigSet(parts.Kind, textEncoder.Config, unet.Config, parts.Vae.Config, parts.SchedulerConfigJson);
        inference = new StableDiffusionModel(configs, textEncoder, unet, parts.Vae, Path.GetFileName(run.Root), tokenizerPath: parts.TokenizerPath);
        inferenceWeights = parts.TrainsTextEncoder ? new ModuleGroup(("unet", unet), ("text_encoder", textEncoder)) : new ModuleGroup(("unet", unet));
        if (Loop.Ema != null)
        {
            owned.Add(unet);
            if (parts.TrainsTextEncoder) owned.Add(textEncoder);
        }
        owned.Add(inferenceWeights);
    }

    /// <summary>Latents are multiplied by this before the U-Net sees them (1 / their standard deviation over the data, for a new model).</summary>
    public double ScalingFactor { get; }

    public IReadOnlyList<string> SamplePrompts => spec.Samples.PromptsOrDefault;

    /// <summary>The model as it would be exported now (EMA weights after the last sample or export).</summary>
    public StableDiffusionModel Model => inference;

    protected override string Title => $"U-Net training loss ({spec.PredictionType}{(spec.SnrGamma is { } gamma ? $", Min-SNR weights, gamma {gamma}" : "")}{(spec.SnrFloor is { } floor ? $", SNR floor {floor}" : "")}{(spec.TimestepBias.IsUniform ? "" : $", {spec.TimestepBias.Strategy} timesteps ×{spec.TimestepBias.Multiplier}")}{(spec.LayoutShift.IsOff ? "" : $", layout shifted from t = {spec.LayoutShift.From}")})";

    /// <summary>Starts a new run in <paramref name="runFolder"/> (which must be new or empty).</summary>
    public static DiffusionTrainer Create(string runFolder, DiffusionTrainingOptions options, Action<string>? report = null)
    {
        options.Validate();
        var run = new TrainingRunFolder(runFolder);
        run.Create(options, Kind);
        var trainer = Build(run, options, report);
        run.Update(trainer.ResolvedSpec(), Kind);
        return trainer;
    }

    /// <summary>Continues the run in <paramref name="runFolder"/> from its newest checkpoint.</summary>
    public static DiffusionTrainer Resume(string runFolder, Action<string>? report = null)
    {
        var run = new TrainingRunFolder(runFolder);
        return Restored(Build(run, run.Read<DiffusionTrainingOptions>(Kind).Validate(), report));
    }

    static DiffusionTrainer Build(TrainingRunFolder run, DiffusionTrainingOptions spec, Action<string>? report)
    {
        var built = new List<IDisposable>();
        var data = ImageFolderDataset.LoadForTraining(spec.DataFolder, spec.Preprocessing, spec.RandomFlip, report, out int originals);
        try
        {
            var parts = DiffusionComponents.Build(run, spec, data.Captions, report);
            built.Add(parts);
            if (data.Resolution % parts.Vae.Config.DownscaleFactor != 0)
                throw new LatentSharpException($"the resolution {data.Resolution} is not a multiple of the autoencoder's downscale factor {parts.Vae.Config.DownscaleFactor}");

            var latents = LoadOrEncodeLatents(run, parts, data, report);
            built.Add(latents);
            if (spec.Vae != null)
            {
                parts.UseScalingFactor(spec, latents.ScalingFactor());
                report?.Invoke($"latent scaling factor {parts.Vae.Config.ScalingFactor} (1 / the latents' standard deviation)");
            }
            report?.Invoke($"U-Net {Millions(parts.Unet)} parameters, text encoder {Millions(parts.TextEncoder)} ({(parts.TrainsTextEncoder ? "trained" : "frozen")}), autoencoder {Millions(parts.Vae)} (frozen)");
            var trainable = parts.TrainsTextEncoder
                ? new ModuleGroup(("unet", parts.Unet), ("text_encoder", parts.TextEncoder))
                : new ModuleGroup(("unet", parts.Unet));
            built.Add(trainable);
            if (parts.TrainsTextEncoder && spec.TextEncoderLearningRate is { } textRate)
                trainable.ScaleLearningRate("text_encoder", textRate / spec.Optimization.LearningRate);
            return new DiffusionTrainer(run, spec, parts, latents, data.Captions, originals, trainable, report);
        }
        catch
        {
            foreach (var d in Enumerable.Reverse(built)) d.Dispose();
            throw;
        }
        finally
        {
            // Only the captions are kept: training reads the cached latents, not the pixels.
            data.Dispose();
        }
    }

    static string Millions(nn.Module module) => $"{module.parameters().Sum(p => p.numel()) / 1e6:F2}M";

    static LatentCache LoadOrEncodeLatents(TrainingRunFolder run, DiffusionComponents parts, ImageFolderDataset data, Action<string>? report)
    {
        string path = run[LatentCacheFile];
        if (LatentCache.TryLoad(path, data.Count) is { } cached) return cached;
        report?.Invoke($"encoding {data.Count} images to latents (once; cached in {path})");
        var latents = LatentCache.Encode(parts.Vae, data.Images);
        latents.Save(path);
        return latents;
    }

    /// <summary>The spec with every preset replaced by the concrete config, so a resumed run does not depend on today's presets.</summary>
    DiffusionTrainingOptions ResolvedSpec() => spec with
    {
        Unet = spec.Unet ?? (spec.BaseModel is null ? parts.Unet.Config : null),
        TextEncoder = spec.BaseModel is null ? parts.TextEncoder.Config : null, // a base model brings its own
        Samples = spec.Samples with { Prompts = spec.Samples.PromptsOrDefault },
        Scheduler = SchedulerConfig.FromJson(parts.SchedulerConfigJson),
    };

    protected override Tensor Loss(long step, int microBatch, Generator random)
    {
        var (noisy, target, timesteps, ids) = data.Draw(step * Options.GradientAccumulation + microBatch, Options.BatchSize,
            spec.RandomFlip, spec.CaptionDropout, objective, random, spec.TimestepBias, spec.MultiresNoise, spec.LayoutShift);
        Tensor context;
        if (parts.TrainsTextEncoder) context = parts.TextEncoder.PromptEmbeddings(ids);
        else using (no_grad()) context = parts.TextEncoder.PromptEmbeddings(ids);
        var prediction = parts.Unet.forward(noisy, timesteps, context);
        return objective.Loss(prediction, target, timesteps, spec.SnrGamma, spec.SnrFloor);
    }

    protected override int EvaluateEvery => spec.Evaluation.Every;

    /// <summary>The EMA model on the <see cref="AdherenceProbe"/> prompts: one line in eval.jsonl, eval.png redrawn.</summary>
    protected override void WriteEvaluation()
    {
        var evaluation = EvaluateAdherence();
        adherenceLog.Append(evaluation);
        report?.Invoke(AdherenceSummary(evaluation));
    }

    /// <summary>Scores the current EMA weights on the run's adherence prompts (without recording them).</summary>
    public AdherenceEvaluation EvaluateAdherence()
    {
        CopyWeightsForInference(inferenceWeights);
        using var _ = no_grad();
        // Not disposed: disposing a pipeline disposes its model, which the trainer keeps using.
        var pipeline = new StableDiffusionPipeline(inference, parts.Tokenizer);
        return AdherenceProbe.Run(pipeline, spec.Evaluation, State.Step);
    }

    static string AdherenceSummary(AdherenceEvaluation e)
    {
        static string P(double share) => (share * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + "%";
        return $"step {e.Step}: shape {P(e.Seen.Shape)}, colour {P(e.Seen.Color)}, background {P(e.Seen.Background)}, " +
               $"position {P(e.Seen.Position)}, size {P(e.Seen.Size)}, all five {P(e.Seen.AllFive)}; held out: shape {P(e.HeldOut.Shape)}, " +
               $"colour {P(e.HeldOut.Color)}, position {P(e.HeldOut.Position)} ({e.Seconds:0} s)";
    }

    protected override void WriteSamples(string path)
    {
        CopyWeightsForInference(inferenceWeights);
        PngWriter.Write(path, SampleGrid.Render(inference, parts.Tokenizer, spec.Samples));
    }

    /// <summary>Writes the complete diffusers pipeline folder (EMA weights) that <c>sd generate --model</c> and diffusers load.</summary>
    /// <param name="dtype">Float16 halves the size; default float32.</param>
    public void Export(string folder, ScalarType? dtype = null)
    {
        CopyWeightsForInference(inferenceWeights);
        inference.Save(folder, dtype);
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var d in Enumerable.Reverse(owned)) d.Dispose();
    }
}
