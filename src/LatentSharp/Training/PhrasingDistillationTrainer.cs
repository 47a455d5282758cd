using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Schedulers;
using LatentSharp.Shapes;
using LatentSharp.Text;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>One measurement of <see cref="PhrasingDistillationTrainer"/>: how far each phrasing's clean estimate is from the canonical caption's.</summary>
/// <param name="Phrasings">Per phrasing of <see cref="ShapesCaptions.PhrasingNames"/> (the canonical one first): mean squared difference,
/// per latent element, between the clean estimate at the noisiest timestep with this caption through the current encoder and with
/// the canonical caption through the original encoder. The canonical entry measures how far the training moved what already worked.</param>
/// <param name="Unconditional">The same for the empty caption (the unconditional estimate guidance pushes away from) against the original encoder's.</param>
public sealed record PhrasingDistances(long Step, IReadOnlyList<double> Phrasings, double Unconditional);

/// <summary>
/// Fine-tunes a shapes model's text encoder so its own, frozen U-Net reads every phrasing of a caption as it reads the canonical
/// one (<c>sd train phrasings</c>, issue 12): each step renders shapes images of seen colour–shape pairs, noises their latents,
/// and regresses the U-Net's clean estimate ẑ₀ under a paraphrased caption through the trained encoder on ẑ₀ under the canonical
/// caption through the original encoder — a teacher that knows the position words in the canonical sentence. A second term holds
/// the canonical caption's clean estimate to the teacher's and the empty caption's context to the original's, so the prompts the
/// U-Net follows now stay as they are (the canonical caption held by its context instead, D1's canonical prompts lost 7 points of
/// position; the empty caption held by its estimate as well, D3's paraphrases gained 6 points instead of 18–21).
/// <para>
/// Why: the position rounds teach the words of the canonical caption, which is half of the captions, while each synonym of a cell
/// ("centered", "in the lower right") is in about 1.5% of them: models place 92% of canonical prompts right and under 60% of
/// paraphrased ones (models/shapes-training/README.md, "The phrasing"). Training the U-Net on more paraphrases trades the canonical
/// words away (I14); teaching the encoder that the phrasings mean the same thing leaves the U-Net as it is.
/// </para>
/// </summary>
public sealed class PhrasingDistillationTrainer : TextEncoderFineTuner
{
    public const string Kind = "phrasings";
    const ulong ImageStream = 0x7041_5e5eUL, PhrasingStream = 0x7041_5e5fUL, EvaluationStream = 0x7041_5e60UL;
    const int EvaluationImages = 32;

    readonly PhrasingDistillationOptions spec;
    readonly DiffusionObjective objective;
    readonly ShapesDataset images;
    readonly ShapesDataset evaluationImages;

    PhrasingDistillationTrainer(TrainingRunFolder run, PhrasingDistillationOptions spec, StableDiffusionModel model, StableDiffusionModel original,
        ClipTokenizer tokenizer) : base(run, spec.Optimization, model, original, tokenizer)
    {
        this.spec = spec;
        var schedule = SchedulerConfig.FromJson(model.SchedulerConfigJson);
        objective = new DiffusionObjective(schedule, PredictionType(schedule));
        images = new ShapesDataset(spec.Optimization.Seed ^ ImageStream, ImageSize(model)) { SmallShare = spec.SmallShare };
        evaluationImages = new ShapesDataset(EvaluationStream, ImageSize(model));
    }

    static string PredictionType(SchedulerConfig schedule) => schedule.PredictionType ?? DiffusionObjective.Epsilon;

    /// <summary>Refuses a model this trainer cannot run (besides SDXL's two encoders), before a run folder is made for it.</summary>
    static void Check(StableDiffusionModel model, string path)
    {
        var schedule = SchedulerConfig.FromJson(model.SchedulerConfigJson);
        if (schedule.RescaleBetasZeroSnr == true && PredictionType(schedule) == DiffusionObjective.Epsilon)
            throw new LatentSharpException($"{path}: an ε-prediction model on a zero-terminal-SNR schedule has no clean estimate at the last timestep");
        ImageSize(model);
    }

    static int ImageSize(StableDiffusionModel model) =>
        (model.Unet.Config.SampleSize ?? throw new LatentSharpException($"{model.Name}: the U-Net config has no sample_size")) * model.Vae.Config.DownscaleFactor;

    protected override string Title => FormattableString.Invariant($"phrasing distillation loss (paraphrase's clean-estimate MSE + {spec.HoldWeight} × the canonical caption's and the empty context's)");

    protected override int EvaluateEvery => spec.EvaluateEvery;

    /// <summary>Starts a new run in <paramref name="runFolder"/> (which must be new or empty).</summary>
    public static PhrasingDistillationTrainer Create(string runFolder, PhrasingDistillationOptions options, Action<string>? report = null)
    {
        options.Validate();
        var run = new TrainingRunFolder(runFolder);
        return WithBaseModel(options.BaseModel, Kind, Check, (model, original, tokenizer) =>
        {
            run.Create(options, Kind);   // once the model has loaded: one that does not leaves no run folder behind
            var trainer = new PhrasingDistillationTrainer(run, options, model, original, tokenizer);
            var before = trainer.Measure();
            trainer.Record(before);   // step 0 of the curve: where the base encoder starts
            report?.Invoke($"{options.BaseModel}: {Describe(before)}");
            return trainer;
        });
    }

    /// <summary>Continues the run in <paramref name="runFolder"/> from its newest checkpoint.</summary>
    public static PhrasingDistillationTrainer Resume(string runFolder, Action<string>? report = null)
    {
        var run = new TrainingRunFolder(runFolder);
        var spec = run.Read<PhrasingDistillationOptions>(Kind).Validate();
        return WithBaseModel(spec.BaseModel, Kind, Check,
            (model, original, tokenizer) => Restored(new PhrasingDistillationTrainer(run, spec, model, original, tokenizer)));
    }

    protected override Tensor Loss(long step, int microBatch, Generator random)
    {
        long batchIndex = step * Options.GradientAccumulation + microBatch;
        var examples = Examples(batchIndex);
        using var scope = NewDisposeScope();
        var noisy = Noised(examples.Select(e => e.Sample.Image).ToList(), random, out var timesteps);
        var canonicalIds = Tokenizer.EncodeBatch(examples.Select(e => ShapesCaptions.Paraphrase(e.Sample.Spec, 0)).ToList());
        var paraphraseIds = Tokenizer.EncodeBatch(examples.Select(e => ShapesCaptions.Paraphrase(e.Sample.Spec, e.Phrasing)).ToList());
        int batch = examples.Count;
        Tensor teacher, emptyTarget;
        using (no_grad())
        {
            teacher = CleanEstimate(noisy, timesteps, Original.TextEncoder.PromptEmbeddings(canonicalIds));
            emptyTarget = Original.TextEncoder.PromptEmbeddings(EmptyCaption);
        }
        // One pass for the paraphrases and the canonical captions: the canonical ones must keep making the teacher's estimate.
        // The empty caption is held by its context: held by its estimate as well (D3), the paraphrases learned far less.
        var student = CleanEstimate(cat([noisy, noisy]), cat([timesteps, timesteps]), Model.TextEncoder.PromptEmbeddings(cat([paraphraseIds, canonicalIds])));
        var phrasing = nn.functional.mse_loss(student.narrow(0, 0, batch), teacher);
        var hold = nn.functional.mse_loss(student.narrow(0, batch, batch), teacher)
                   + nn.functional.mse_loss(Model.TextEncoder.PromptEmbeddings(EmptyCaption), emptyTarget);
        return (phrasing + spec.HoldWeight * hold).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Batch <paramref name="index"/>'s examples: generated shapes images of seen colour–shape pairs (every attribute named), each
    /// with a phrasing other than the canonical one, drawn from the run's seed alone so a resumed run repeats them.
    /// </summary>
    internal IReadOnlyList<(ShapesSample Sample, int Phrasing)> Examples(long index)
    {
        var random = DeterministicRandom.ForItem(Options.Seed ^ PhrasingStream, (ulong)index);
        return Enumerable.Range(0, Options.BatchSize)
            .Select(i => (images.Get(index * Options.BatchSize + i), 1 + random.NextInt(ShapesCaptions.ParaphraseCount - 1)))
            .ToList();
    }

    /// <summary>The images' latents (a draw from each posterior, scaled as the U-Net sees them), noised at biased timesteps.</summary>
    Tensor Noised(IReadOnlyList<RgbImage> pictures, Generator random, out Tensor timesteps)
    {
        Tensor clean;
        using (no_grad())
        {
            using var pixels = ImageTensors.ToModelSpace(pictures);
            using var posterior = Model.Vae.Encode(pixels);
            clean = posterior.Sample(random) * Model.Vae.Config.ScalingFactor;
        }
        timesteps = spec.TimestepBias.Draw(objective.NumTrainTimesteps, pictures.Count, random);
        var (noisy, _) = objective.Corrupt(clean, randn(clean.shape, generator: random), timesteps);
        return noisy;
    }

    Tensor CleanEstimate(Tensor noisy, Tensor timesteps, Tensor context) =>
        objective.CleanEstimate(noisy, Model.Unet.forward(noisy, timesteps, context), timesteps);

    /// <summary>
    /// Every phrasing's distance to the canonical caption on a fixed set of images at the noisiest timestep, where the cell is
    /// decided: the same images, noise and captions at every measurement.
    /// </summary>
    public PhrasingDistances Measure()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var samples = evaluationImages.Take(EvaluationImages).ToList();
        using var random = new Generator(EvaluationStream);
        Tensor clean;
        using (var pixels = ImageTensors.ToModelSpace(samples.Select(s => s.Image).ToList()))
        using (var posterior = Model.Vae.Encode(pixels))
            clean = posterior.Mean * Model.Vae.Config.ScalingFactor;
        var timesteps = full([EvaluationImages], objective.NumTrainTimesteps - 1, ScalarType.Int64);
        var (noisy, _) = objective.Corrupt(clean, randn(clean.shape, generator: random), timesteps);
        var teacher = CleanEstimate(noisy, timesteps,
            Original.TextEncoder.PromptEmbeddings(Tokenizer.EncodeBatch(samples.Select(s => ShapesCaptions.Paraphrase(s.Spec, 0)).ToList())));
        var distances = Enumerable.Range(0, ShapesCaptions.ParaphraseCount).Select(phrasing =>
        {
            var ids = Tokenizer.EncodeBatch(samples.Select(s => ShapesCaptions.Paraphrase(s.Spec, phrasing)).ToList());
            return Distance(CleanEstimate(noisy, timesteps, Model.TextEncoder.PromptEmbeddings(ids)), teacher);
        }).ToList();
        var emptyIds = EmptyCaption.expand(EvaluationImages, -1);
        double unconditional = Distance(CleanEstimate(noisy, timesteps, Model.TextEncoder.PromptEmbeddings(emptyIds)),
            CleanEstimate(noisy, timesteps, Original.TextEncoder.PromptEmbeddings(emptyIds)));
        return new PhrasingDistances(State.Step, distances, unconditional);
    }

    static double Distance(Tensor a, Tensor b) => nn.functional.mse_loss(a, b).item<float>();

    public static string Describe(PhrasingDistances d) =>
        "clean-estimate distance to the canonical caption at the noisiest step: " +
        string.Join(", ", ShapesCaptions.PhrasingNames.Zip(d.Phrasings, (name, v) => FormattableString.Invariant($"{name} {v:F4}"))) +
        FormattableString.Invariant($"; the empty caption against the original's {d.Unconditional:F4}");

    protected override void WriteEvaluation() => Record(Measure());

    void Record(PhrasingDistances distances)
    {
        AppendEvaluation(distances);
        PlotDistances(ReadEvaluations(), Run.EvalPlot);
    }

    /// <summary>The measurements so far (eval.jsonl), oldest first.</summary>
    public IReadOnlyList<PhrasingDistances> ReadEvaluations() => ReadEvaluationLog<PhrasingDistances>();

    static void PlotDistances(IReadOnlyList<PhrasingDistances> points, string path) =>
        new LineChart
        {
            Title = "Each phrasing's clean estimate against the canonical caption's (noisiest step)",
            XLabel = "step",
            XMin = 0,
            YLabel = "mean squared difference per latent element",
            YMin = 0,
            Markers = points.Count <= 40,
            Series = ShapesCaptions.PhrasingNames
                .Select((name, i) => new PlotSeries(name, points.Select(p => ((double)p.Step, p.Phrasings[i])).ToList(), Dashed: i == 0))
                .Append(new PlotSeries("empty caption", points.Select(p => ((double)p.Step, p.Unconditional)).ToList(), Dashed: true))
                .ToList(),
        }.Save(path);

    /// <summary>One shapes caption in every phrasing, two images each: what the trained encoder makes the U-Net draw.</summary>
    protected override void WriteSamples(string path)
    {
        var spec = new ShapeSpec(ShapeKind.Star, ShapeColor.Yellow, ShapeColor.Blue, ShapeSize.Small, GridPosition.Top);
        var prompts = Enumerable.Range(0, ShapesCaptions.ParaphraseCount).Select(p => ShapesCaptions.Paraphrase(spec, p)).ToList();
        PngWriter.Write(path, SampleGrid.Render(Model, Tokenizer, new SampleSettings { Prompts = prompts }));
    }

    public override void Dispose()
    {
        base.Dispose();
        objective.Dispose();
    }
}
