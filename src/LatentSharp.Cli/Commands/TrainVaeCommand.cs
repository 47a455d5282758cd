using LatentSharp.Autoencoder;
using LatentSharp.Cli.Training;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd train vae`: trains an AutoencoderKL on an image folder and writes a diffusers vae/ folder.</summary>
public sealed class TrainVaeCommand : ICommand, IHasFlags
{
    static readonly OptimizationOptions Defaults = new AutoencoderTrainingOptions { DataFolder = "" }.Optimization with
    {
        Steps = 3000, BatchSize = 16, SampleEvery = 500,
    };

    public string Name => "train vae";
    public string Summary => "train an autoencoder (AutoencoderKL) on an image folder";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "resume", "export-only", "no-center-crop", "random-flip", "judge-shapes" };

    public string Usage => TrainingArguments.Usage("""
        usage: sd train vae --data DIR --out RUN [options]
               sd train vae --out RUN --resume

        Trains an autoencoder with an L1 reconstruction loss and a small KL term, measures PSNR on held-out
        images at every sample step (eval.jsonl), and at the end writes RUN/vae (diffusers format, with the
        latent scaling factor measured on the data) for `sd train unet --vae`.

          --data DIR            images with metadata.jsonl (file_name, text) or a .txt caption beside each
          --out RUN             run folder: run.json, checkpoints/, samples/, train_log.jsonl, eval.jsonl, loss.png
          --resume              continue the run in RUN from its newest checkpoint
          --export-only         with --resume: export the newest checkpoint now, without training (also mid-run)
          --config FILE         AutoencoderKL config.json (default: the shapes preset, 4× downscale, 4 latent channels)
          --resolution PX       image side for training (default 64)
          --no-center-crop      squash whole images to squares instead of cropping the centre
          --random-flip         mirror images at random
          --crop PX             train on random PX×PX crops (a multiple of the downscale factor): much cheaper
                                per step; held-out PSNR is still measured on whole images
          --kl-weight X         KL term against the per-image reconstruction sum (default 1e-6)
          --val-count N         images held out for PSNR (default 256, at most a fifth of the data)
          --judge-shapes        also report how often the shapes judge reads reconstructions as the originals
          --ema-decay X         keep an EMA of the weights for evaluation and export (default 0 = off)
          --export DIR          where to write the autoencoder (default RUN/vae)
        """ + "\n" + TrainingArguments.OptimizationUsage, Defaults);

    public int Run(Arguments args)
    {
        string output = args.Required("out");
        bool resume = args.Flag("resume");
        bool exportOnly = args.Flag("export-only");
        if (exportOnly && !resume) throw new UsageException("--export-only goes with --resume (it exports the run's newest checkpoint)");
        string export = args.String("export") ?? Path.Combine(output, "vae");
        var dtype = TrainingArguments.ExportDtype(args);
        TrainingArguments.Threads(args);

        AutoencoderTrainer trainer;
        if (resume)
        {
            TrainingArguments.RejectRunOptions(args, ["config", "crop", "kl-weight", "val-count", "judge-shapes"]);
            args.EnsureAllUsed();
            trainer = AutoencoderTrainer.Resume(output, TrainingConsole.Report);
        }
        else
        {
            var options = new AutoencoderTrainingOptions
            {
                DataFolder = args.Required("data"),
                Preprocessing = TrainingArguments.Preprocessing(args),
                RandomFlip = args.Flag("random-flip"),
                CropSize = args.Has("crop") ? args.Int("crop", 32, 8, 4096) : null,
                Vae = args.String("config") is { } config ? ConfigJson.Read<AutoencoderKLConfig>(config) : null,
                KlWeight = args.Double("kl-weight", 1e-6, 0, 1),
                ValidationCount = args.Int("val-count", 256, 0, 1_000_000),
                JudgeShapes = args.Flag("judge-shapes"),
                Optimization = TrainingArguments.Optimization(args, Defaults),
            };
            args.EnsureAllUsed();
            trainer = AutoencoderTrainer.Create(output, options, TrainingConsole.Report);
        }
        using (trainer)
        {
            Console.WriteLine($"training on {trainer.TrainingImages} images, {trainer.ValidationImages} held out");
            return TrainingConsole.Run(trainer, "train vae", $"sd train vae --out {output} --resume", exportOnly, () =>
            {
                var evaluation = trainer.Evaluate();
                Console.WriteLine($"held-out PSNR {evaluation.Psnr:F2} dB over {evaluation.Images} images" +
                                  (evaluation.JudgeAgreement is { } a ? $", shapes judge agrees on {a:P1}" : ""));
                if (Directory.Exists(export) && Directory.EnumerateFileSystemEntries(export).Any())
                {
                    Console.WriteLine($"{export} exists; not overwritten");
                    return;
                }
                trainer.Export(export, dtype);
                Console.WriteLine($"wrote {export}");
            });
        }
    }
}
