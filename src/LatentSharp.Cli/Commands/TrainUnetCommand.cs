using LatentSharp.Cli.Training;
using LatentSharp.Text;
using LatentSharp.Training;
using LatentSharp.UNet;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd train unet`: trains a text-to-image latent diffusion model (or fine-tunes one) and exports a diffusers pipeline folder.</summary>
public sealed class TrainUnetCommand : ICommand, IHasFlags
{
    static readonly OptimizationOptions Defaults = new();

    public string Name => "train unet";
    public string Summary => "train a text-conditioned diffusion U-Net (new model or fine-tune) on an image folder";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "resume", "export-only", "no-center-crop", "random-flip" };

    public string Usage => TrainingArguments.Usage("""
        usage: sd train unet --data DIR --out RUN --vae VAE [options]          a new model
               sd train unet --data DIR --out RUN --base-model MODEL [options]  fine-tune a model
               sd train unet --out RUN --resume

        Encodes the images to latents once, then trains the U-Net to predict the noise (or v) of noised
        latents from the captions, with captions dropped at random for classifier-free guidance. A new
        model also gets a byte-pair vocabulary learned from the captions and a text encoder trained with
        the U-Net; a fine-tuned one keeps its base model's VAE, tokenizer and (frozen) text encoder.
        Every --sample-every steps a grid of fixed prompts is drawn with the EMA weights (RUN/samples/);
        at the end the EMA weights are exported as a diffusers pipeline folder for `sd generate --model`.

          --data DIR                images with metadata.jsonl (file_name, text) or a .txt caption beside each
          --out RUN                 run folder: run.json, checkpoints/, samples/, train_log.jsonl, loss.png, model/
          --resume                  continue the run in RUN from its newest checkpoint
          --export-only             with --resume: export the newest checkpoint now, without training (also mid-run)
          --vae VAE                 autoencoder folder (`sd train vae` output) for a new model
          --base-model MODEL        diffusers folder or single file to fine-tune
          --unet-config FILE        UNet2DConditionModel config.json to train from scratch (default: the shapes
                                    preset for a new model, the base model's U-Net when fine-tuning)
          --text-encoder-config F   CLIPTextModel config.json for a new model (vocab and special ids come from the tokenizer)
          --vocab-size N            byte-pair vocabulary learned from the captions (default 1000)
          --caption-dropout X       share of captions replaced by "" (default 0.1)
          --prediction-type T       epsilon or v_prediction (default epsilon)
          --snr-gamma X             weigh timesteps by Min-SNR-γ (e.g. 5; default: all alike)
          --ema-decay X             largest decay of the weights' moving average (default 0.9999; 0 = off)
          --resolution PX           image side for training (default 64)
          --no-center-crop          squash whole images to squares instead of cropping the centre
          --random-flip             also train on mirror images, with "left" and "right" swapped in their captions
                                    (off by default: position words are part of the shapes captions)
          --sample-prompts FILE     prompts of the sample grid, one per line (default: 8 shapes prompts)
          --sample-steps N          sampling steps of the grid (default 25)
          --guidance X              guidance scale of the grid (default 5)
          --export DIR              where to write the pipeline (default RUN/model)
        """ + "\n" + TrainingArguments.OptimizationUsage, Defaults);

    public int Run(Arguments args)
    {
        string output = args.Required("out");
        bool resume = args.Flag("resume");
        bool exportOnly = args.Flag("export-only");
        if (exportOnly && !resume) throw new UsageException("--export-only goes with --resume (it exports the run's newest checkpoint)");
        string export = args.String("export") ?? Path.Combine(output, "model");
        var dtype = TrainingArguments.ExportDtype(args);
        TrainingArguments.Threads(args);

        DiffusionTrainer trainer;
        if (resume)
        {
            TrainingArguments.RejectRunOptions(args, ["vae", "base-model", "unet-config", "text-encoder-config", "vocab-size",
                "caption-dropout", "prediction-type", "snr-gamma", "sample-prompts", "sample-steps", "guidance"]);
            args.EnsureAllUsed();
            trainer = DiffusionTrainer.Resume(output, TrainingConsole.Report);
        }
        else
        {
            var options = ParseNewRun(args);
            args.EnsureAllUsed();
            trainer = DiffusionTrainer.Create(output, options, TrainingConsole.Report);
        }
        using (trainer)
        {
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

    static DiffusionTrainingOptions ParseNewRun(Arguments args)
    {
        string predictionType = args.String("prediction-type", DiffusionObjective.Epsilon);
        if (predictionType is not (DiffusionObjective.Epsilon or DiffusionObjective.Velocity))
            throw new UsageException($"--prediction-type must be {DiffusionObjective.Epsilon} or {DiffusionObjective.Velocity} (got '{predictionType}')");
        return new DiffusionTrainingOptions
        {
            DataFolder = args.Required("data"),
            Preprocessing = TrainingArguments.Preprocessing(args),
            RandomFlip = args.Flag("random-flip"),
            Vae = args.String("vae"),
            BaseModel = args.String("base-model"),
            Unet = args.String("unet-config") is { } unet ? ConfigJson.Read<UNet2DConditionConfig>(unet) : null,
            TextEncoder = args.String("text-encoder-config") is { } text ? ConfigJson.Read<ClipTextConfig>(text) : null,
            VocabSize = args.Int("vocab-size", 1000, BpeTrainer.BaseVocabSize, 49152),
            CaptionDropout = args.Double("caption-dropout", 0.1, 0, 1),
            PredictionType = predictionType,
            SnrGamma = args.Has("snr-gamma") ? args.Double("snr-gamma", 5, 1e-3, 1e6) : null,
            Samples = new SampleSettings
            {
                Prompts = args.String("sample-prompts") is { } file ? ReadPrompts(file) : null,
                Steps = args.Int("sample-steps", 25, 1, 1000),
                GuidanceScale = args.Double("guidance", 5, 0, 100),
            },
            Optimization = TrainingArguments.Optimization(args, Defaults),
        };
    }

    static IReadOnlyList<string> ReadPrompts(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--sample-prompts: {path} not found");
        var prompts = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        return prompts.Count > 0 ? prompts : throw new UsageException($"--sample-prompts: {path} has no prompts");
    }
}
