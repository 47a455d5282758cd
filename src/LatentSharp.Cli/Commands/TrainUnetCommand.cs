using System.CommandLine;
using LatentSharp.Cli.Training;
using LatentSharp.Schedulers;
using LatentSharp.Text;
using LatentSharp.Training;
using LatentSharp.UNet;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd train unet`: trains a text-to-image latent diffusion model (or fine-tunes one) and exports a diffusers pipeline folder.</summary>
public sealed class TrainUnetCommand : SdCommand
{
    static readonly Dictionary<string, string> PredictionTypes = new()
    {
        [DiffusionObjective.Epsilon] = DiffusionObjective.Epsilon, [DiffusionObjective.Velocity] = DiffusionObjective.Velocity,
    };

    readonly TrainingOptions training = new(new OptimizationOptions(), "run.json, checkpoints/, samples/, train_log.jsonl, loss.png, model/", "model",
        randomFlip: "also train on mirror images, with \"left\" and \"right\" swapped in their captions (off by default: position words are part of the shapes captions)",
        emaDecay: "largest decay of the weights' moving average (0 = off)");

    readonly Option<string?> vae = CliOption.OptionalString("--vae", "autoencoder folder (`sd train vae` output) for a new model", "VAE");
    readonly Option<string?> baseModel = CliOption.OptionalString("--base-model", "diffusers folder or single file to fine-tune", "MODEL");
    readonly Option<string?> unetConfig = CliOption.OptionalString("--unet-config",
        "UNet2DConditionModel config.json to train from scratch (default: the shapes preset for a new model, the base model's U-Net when fine-tuning)", "FILE");
    readonly Option<string?> textEncoderConfig = CliOption.OptionalString("--text-encoder-config",
        "CLIPTextModel config.json for a new model (vocab and special ids come from the tokenizer)", "FILE");
    readonly Option<int> vocabSize = CliOption.Int("--vocab-size", "byte-pair vocabulary learned from the captions", 1000, BpeTrainer.BaseVocabSize, 49152);
    readonly Option<double?> textEncoderLr = CliOption.OptionalDouble("--text-encoder-lr",
        "peak learning rate of the text encoder, as kohya's --text_encoder_lr: a new model's (default: --lr; 0 keeps it at its initial weights), or the base model's, trained too when fine-tuning (default: frozen)", 0, 1);
    readonly Option<double> captionDropout = CliOption.Double("--caption-dropout", "share of captions replaced by \"\"", 0.1, 0, 1);
    readonly TextOption<string> predictionType = CliOption.Choice("--prediction-type", "what the U-Net predicts", PredictionTypes, DiffusionObjective.Epsilon);
    readonly Option<string?> schedulerConfig = CliOption.OptionalString("--scheduler-config",
        "diffusers scheduler_config.json of the noise schedule to train on and export, e.g. with rescale_betas_zero_snr (default: the base " +
        "model's, else the shapes preset); its prediction_type is used unless --prediction-type is given", "FILE");
    readonly Option<int> evalEvery = CliOption.Int("--eval-every",
        "every N steps (and at the end) the EMA model draws fixed shapes prompts and the shapes judge scores each attribute: RUN/eval.jsonl, RUN/eval.png (0 = off)",
        0, 0, 100_000_000);
    readonly Option<int> evalPrompts = CliOption.Int("--eval-prompts", "prompts of the adherence evaluation (balanced over the nine cells, a quarter held-out pairs)",
        AdherenceProbe.DefaultPrompts, 1, AdherenceProbe.MaxPrompts);
    readonly Option<int> evalSeeds = CliOption.Int("--eval-seeds", "seeds per prompt of the adherence evaluation", 2, 1, 64);
    readonly LossWeightingOptions weighting = new();
    readonly TimestepBiasOptions timestepBias = new(new TimestepBias());
    readonly Option<int> multiresNoiseIterations = CliOption.Int("--multires-noise-iterations",
        "add noise drawn at 1/2, 1/4, … of the latent's side to the training noise, so the noisiest latents hide where the shape is (kohya's option; e.g. 6; 0 = white noise)", 0, 0, 16);
    readonly Option<double> multiresNoiseDiscount = CliOption.Double("--multires-noise-discount",
        "amplitude of each coarser level relative to the finer one", 0.3, 1e-3, 0.999);
    readonly Option<int?> layoutShiftFrom = CliOption.OptionalInt("--layout-shift-from",
        "from this timestep up, noise a randomly rolled copy of the clean latent (the target stays where it was), so the noisiest inputs do not show where the shape is and the layout has to come from the caption (e.g. 700; off by default)",
        0, 100_000, "T");
    readonly Option<int?> layoutShiftFull = CliOption.OptionalInt("--layout-shift-full",
        "timestep from which every input is shifted; between --layout-shift-from and it the share rises linearly (default: the last timestep)", 0, 100_000, "T");
    readonly Option<string?> samplePrompts = CliOption.OptionalString("--sample-prompts",
        "prompts of the sample grid, one per line (default: 8 shapes prompts)", "FILE");
    readonly Option<int> sampleSteps = CliOption.Int("--sample-steps", "sampling steps of the grid", 25, 1, 1000);
    readonly Option<double> guidance = CliOption.Double("--guidance", "guidance scale of the grid", 5, 0, 100);

    public TrainUnetCommand() : base("train unet", "train a text-conditioned diffusion U-Net (new model or fine-tune) on an image folder", """
        sd train unet --data DIR --out RUN --vae VAE [options]           a new model
        sd train unet --data DIR --out RUN --base-model MODEL [options]  fine-tune a model
        sd train unet --out RUN --resume                                 continue a run

        Encodes the images to latents once, then trains the U-Net to predict the noise (or v) of noised
        latents from the captions, with captions dropped at random for classifier-free guidance. A new
        model also gets a byte-pair vocabulary learned from the captions and a text encoder trained with
        the U-Net; a fine-tuned one keeps its base model's VAE, tokenizer and (frozen) text encoder.
        Every --sample-every steps a grid of fixed prompts is drawn with the EMA weights (RUN/samples/);
        on the shapes data --eval-every N also scores prompt adherence per attribute (RUN/eval.jsonl, eval.png);
        at the end the EMA weights are exported as a diffusers pipeline folder for `sd generate --model`.
        """)
    {
        foreach (var option in training.Leading) Add(option);
        foreach (var option in new Option[] { vae, baseModel, unetConfig, textEncoderConfig, vocabSize, textEncoderLr, captionDropout, predictionType, schedulerConfig, weighting.SnrGamma, weighting.SnrFloor,
                     timestepBias.Strategy, timestepBias.Multiplier, timestepBias.Portion, multiresNoiseIterations, multiresNoiseDiscount, layoutShiftFrom, layoutShiftFull, samplePrompts, sampleSteps, guidance, evalEvery, evalPrompts, evalSeeds }) Add(option);
        foreach (var option in training.Trailing) Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        string output = parse.GetValue(training.Out)!;
        var (resume, exportOnly) = training.Mode(parse);
        var target = ExportTarget.Choose(parse, training, output, "model", resume);
        string export = target.Path;
        var dtype = training.ExportDtype.Convert(target.Dtype);
        training.ApplyThreads(parse);

        DiffusionTrainer trainer;
        if (resume)
        {
            training.RejectRunOptions(parse, [vae, baseModel, unetConfig, textEncoderConfig, vocabSize, textEncoderLr, captionDropout, predictionType, schedulerConfig,
                weighting.SnrGamma, weighting.SnrFloor, timestepBias.Strategy, timestepBias.Multiplier, timestepBias.Portion, multiresNoiseIterations, multiresNoiseDiscount, layoutShiftFrom, layoutShiftFull, samplePrompts, sampleSteps, guidance, evalEvery, evalPrompts, evalSeeds]);
            trainer = DiffusionTrainer.Resume(output, TrainingConsole.Report);
            training.ApplyRunThreads(parse, trainer.Options);
        }
        else trainer = DiffusionTrainer.Create(output, NewRun(parse), TrainingConsole.Report);
        using (trainer)
        {
            target.Record(output);
            return TrainingConsole.Run(trainer, "train unet", $"sd train unet --out {output} --resume", exportOnly, () =>
            {
                if (Directory.Exists(export) && Directory.EnumerateFileSystemEntries(export).Any())
                {
                    Console.WriteLine($"{export} exists; not overwritten");
                    return;
                }
                trainer.Export(export, dtype);
                long bytes = Directory.EnumerateFiles(export, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
                Console.WriteLine($"wrote {export} ({bytes / 1e6:F1} MB); try: sd generate \"{trainer.SamplePrompts[0]}\" --model {export}");
            });
        }
    }

    DiffusionTrainingOptions NewRun(ParseResult parse)
    {
        var schedule = parse.GetValue(schedulerConfig) is { } file ? ConfigJson.Read<SchedulerConfig>(file) : null;
        string prediction = !parse.Given(predictionType) && schedule?.PredictionType is { } fromFile ? fromFile : predictionType.Read(parse);
        if (!PredictionTypes.ContainsKey(prediction))
            throw new UsageException($"--scheduler-config: prediction_type '{prediction}' cannot be trained ({CliOption.OneOf(PredictionTypes.Keys)})");
        return NewRun(parse, schedule, prediction);
    }

    DiffusionTrainingOptions NewRun(ParseResult parse, SchedulerConfig? schedule, string prediction) => new()
    {
        DataFolder = training.DataFolder(parse),
        Preprocessing = training.Preprocessing(parse),
        RandomFlip = parse.GetValue(training.RandomFlip),
        Vae = parse.GetValue(vae),
        BaseModel = parse.GetValue(baseModel),
        Unet = parse.GetValue(unetConfig) is { } unet ? ConfigJson.Read<UNet2DConditionConfig>(unet) : null,
        TextEncoder = parse.GetValue(textEncoderConfig) is { } text ? ConfigJson.Read<ClipTextConfig>(text) : null,
        VocabSize = parse.GetValue(vocabSize),
        TextEncoderLearningRate = parse.GetValue(textEncoderLr),
        CaptionDropout = parse.GetValue(captionDropout),
        PredictionType = prediction,
        Scheduler = schedule,
        SnrGamma = parse.GetValue(weighting.SnrGamma),
        SnrFloor = parse.GetValue(weighting.SnrFloor),
        TimestepBias = timestepBias.Read(parse),
        MultiresNoise = new MultiresNoise
        {
            Iterations = parse.GetValue(multiresNoiseIterations),
            Discount = parse.GetValue(multiresNoiseDiscount),
        },
        LayoutShift = new LayoutShift { From = parse.GetValue(layoutShiftFrom), Full = parse.GetValue(layoutShiftFull) },
        Samples = new SampleSettings
        {
            Prompts = parse.GetValue(samplePrompts) is { } file ? ReadPrompts(file) : null,
            Steps = parse.GetValue(sampleSteps),
            GuidanceScale = parse.GetValue(guidance),
        },
        Evaluation = new AdherenceSettings
        {
            Every = parse.GetValue(evalEvery), Prompts = parse.GetValue(evalPrompts), Seeds = parse.GetValue(evalSeeds),
        },
        Optimization = training.Optimization(parse),
    };

    static IReadOnlyList<string> ReadPrompts(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--sample-prompts: {path} not found");
        var prompts = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        return prompts.Count > 0 ? prompts : throw new UsageException($"--sample-prompts: {path} has no prompts");
    }
}
