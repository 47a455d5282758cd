using System.CommandLine;
using LatentSharp.Autoencoder;
using LatentSharp.Cli.Training;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd train vae`: trains an AutoencoderKL on an image folder and writes a diffusers vae/ folder.</summary>
public sealed class TrainVaeCommand : SdCommand
{
    static readonly OptimizationOptions Defaults = new AutoencoderTrainingOptions { DataFolder = "" }.Optimization with
    {
        Steps = 3000, BatchSize = 16, SampleEvery = 500,
    };

    readonly TrainingOptions training = new(Defaults, "run.json, checkpoints/, samples/, train_log.jsonl, eval.jsonl, loss.png", "vae",
        randomFlip: "mirror images at random", emaDecay: "keep an EMA of the weights for evaluation and export (0 = off)");

    readonly Option<string?> config = CliOption.OptionalString("--config",
        "AutoencoderKL config.json (default: the shapes preset, 4× downscale, 4 latent channels)", "FILE");
    readonly Option<int?> crop = CliOption.OptionalInt("--crop",
        "train on random PX×PX crops (a multiple of the downscale factor): much cheaper per step; held-out PSNR is still measured on whole images",
        8, 4096, helpName: "PX");
    readonly Option<double> klWeight = CliOption.Double("--kl-weight", "KL term against the per-image reconstruction sum", 1e-6, 0, 1);
    readonly Option<int> valCount = CliOption.Int("--val-count", "images held out for PSNR (at most a fifth of the data)", 256, 0, 1_000_000);
    readonly Option<double> recolor = CliOption.Double("--recolor",
        "share of training images recoloured by a random map per RGB channel, so the autoencoder reproduces colours its data lacks", 0, 0, 1, helpName: "P");
    readonly Option<string?> baseVae = CliOption.OptionalString("--base-vae",
        "autoencoder folder (or a pipeline with one) to fine-tune, its config included, instead of new weights", "VAE");
    readonly Option<bool> decoderOnly = CliOption.Flag("--decoder-only",
        "with --base-vae: train only the decoder; latents and scaling factor stay the base's, so models built on it still work (as sd-vae-ft-mse)");
    readonly Option<double> keepLatents = CliOption.Double("--keep-latents",
        "with --base-vae, whole autoencoder: hold the encoder's latents to the base's on images not recoloured, with this weight; new colours get latents of their own, the scaling factor stays the base's, and U-Nets trained on the base still work",
        0, 0, 1e6, helpName: "WEIGHT");
    readonly Option<double> keepDecoderNoise = CliOption.Double("--keep-decoder-noise",
        "with --keep-latents: also hold the decoder's images to the base's for the base's latents plus noise of this size (U-Net units), so a U-Net's near misses decode as before",
        0, 0, 10, helpName: "SIGMA");
    readonly Option<bool> judgeShapes = CliOption.Flag("--judge-shapes", "also report how often the shapes judge reads reconstructions as the originals");

    public TrainVaeCommand() : base("train vae", "train an autoencoder (AutoencoderKL) on an image folder", """
        sd train vae --data DIR --out RUN [options]        a new run
        sd train vae --data DIR --out RUN --base-vae VAE   fine-tune one (--decoder-only, --keep-latents W)
        sd train vae --out RUN --resume                    continue a run

        Trains an autoencoder with an L1 reconstruction loss and a small KL term, measures PSNR on held-out
        images at every sample step (eval.jsonl), and at the end writes RUN/vae (diffusers format, with the
        latent scaling factor measured on the data) for `sd train unet --vae`.
        """)
    {
        foreach (var option in training.Leading) Add(option);
        foreach (var option in new Option[] { config, baseVae, decoderOnly, keepLatents, keepDecoderNoise, crop, recolor, klWeight, valCount, judgeShapes }) Add(option);
        foreach (var option in training.Trailing) Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        string output = parse.GetValue(training.Out)!;
        var (resume, exportOnly) = training.Mode(parse);
        var target = ExportTarget.Choose(parse, training, output, "vae", resume);
        string export = target.Path;
        var dtype = training.ExportDtype.Convert(target.Dtype);
        training.ApplyThreads(parse);

        AutoencoderTrainer trainer;
        if (resume)
        {
            training.RejectRunOptions(parse, [config, baseVae, decoderOnly, keepLatents, keepDecoderNoise, crop, recolor, klWeight, valCount, judgeShapes]);
            trainer = AutoencoderTrainer.Resume(output, TrainingConsole.Report);
            training.ApplyRunThreads(parse, trainer.Options);
        }
        else
        {
            var options = new AutoencoderTrainingOptions
            {
                DataFolder = training.DataFolder(parse),
                Preprocessing = training.Preprocessing(parse),
                RandomFlip = parse.GetValue(training.RandomFlip),
                CropSize = parse.GetValue(crop),
                RecolorProbability = parse.GetValue(recolor),
                Vae = parse.GetValue(config) is { } file ? ConfigJson.Read<AutoencoderKLConfig>(file) : null,
                BaseVae = parse.GetValue(baseVae),
                DecoderOnly = parse.GetValue(decoderOnly),
                KeepLatentsWeight = parse.GetValue(keepLatents),
                KeepDecoderNoise = parse.GetValue(keepDecoderNoise),
                KlWeight = parse.GetValue(klWeight),
                ValidationCount = parse.GetValue(valCount),
                JudgeShapes = parse.GetValue(judgeShapes),
                Optimization = training.Optimization(parse),
            };
            trainer = AutoencoderTrainer.Create(output, options, TrainingConsole.Report);
        }
        using (trainer)
        {
            target.Record(output);
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
