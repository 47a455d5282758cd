using LatentSharp.Tests.Support;
using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

public class AutoencoderTrainerTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    AutoencoderTrainingOptions Options(int steps) => new()
    {
        DataFolder = TinyTraining.ShapesFolder(temp["data"], count: 40),
        Preprocessing = new ImagePreprocessing(TinyTraining.Resolution),
        Vae = TinyTraining.Vae,
        ValidationCount = 8,
        JudgeShapes = true,
        Optimization = new OptimizationOptions
        {
            Steps = steps, BatchSize = 8, LearningRate = 1e-2, WarmupSteps = 2, EmaDecay = 0,
            LogEvery = 10, SampleEvery = steps, CheckpointEvery = 1000, Seed = 1,
        },
    };

    [Fact]
    public void LossFallsPsnrRisesAndTheExportReloads()
    {
        using var trainer = AutoencoderTrainer.Create(temp["run"], Options(steps: 60));
        Assert.Equal((32, 8), (trainer.TrainingImages, trainer.ValidationImages));
        var before = trainer.Evaluate();
        Assert.Equal(TrainingOutcome.Completed, trainer.Train());
        var after = trainer.Evaluate();

        var history = trainer.State.LossHistory;
        Assert.True(history[^1].Loss < 0.75 * history[0].Loss, $"loss went from {history[0].Loss:F4} to {history[^1].Loss:F4}");
        Assert.True(after.Psnr > before.Psnr + 0.5, $"held-out PSNR went from {before.Psnr:F2} to {after.Psnr:F2} dB");
        Assert.NotNull(after.JudgeAgreement);
        Assert.Single(File.ReadAllLines(trainer.Run.EvalLog));
        Assert.True(File.Exists(trainer.Run.SamplePath(60)));

        trainer.Export(temp["vae"]);
        using var loaded = AutoencoderFolder.Load(temp["vae"]);
        Assert.InRange(loaded.Config.ScalingFactor, 1e-3, 1e3);
        Assert.NotEqual(1.0, loaded.Config.ScalingFactor);
        using var _ = no_grad();
        using var z = randn([1, 4, 8, 8], generator: new Generator(2));
        using var expected = trainer.Vae.Decode(z);
        using var actual = loaded.Decode(z);
        TensorAssert.Close(expected, actual, 0, "decoded image");
    }

    [Fact]
    public void ResumesFromItsCheckpoint()
    {
        using (var first = AutoencoderTrainer.Create(temp["run"], Options(steps: 4)))
        {
            using var stop = new CancellationTokenSource();
            Assert.Equal(TrainingOutcome.Stopped, first.Train(p => { if (p.Step == 2) stop.Cancel(); }, stop.Token));
        }
        using var resumed = AutoencoderTrainer.Resume(temp["run"]);
        Assert.Equal(2, resumed.State.Step);
        Assert.Equal(TrainingOutcome.Completed, resumed.Train());
        Assert.Equal(4, resumed.State.Step);
        var e = Assert.Throws<LatentSharpException>(() => DiffusionTrainer.Resume(temp["run"]));
        Assert.Contains("'vae' run", e.Message);
    }

    /// <summary>A briefly trained autoencoder in temp["base"], to fine-tune.</summary>
    void TrainBase()
    {
        using var first = AutoencoderTrainer.Create(temp["base-run"], Options(steps: 4));
        first.Train();
        first.Export(temp["base"]);
    }

    [Fact]
    public void ADecoderOnlyFineTuneKeepsTheEncoderAndTheScalingFactorAndChangesTheDecoder()
    {
        TrainBase();
        var options = Options(steps: 6) with { Vae = null, BaseVae = temp["base"], DecoderOnly = true, RecolorProbability = 0.5, Optimization = Options(6).Optimization with { EmaDecay = 0.9 } };
        using var trainer = AutoencoderTrainer.Create(temp["run"], options);
        Assert.Equal(TrainingOutcome.Completed, trainer.Train());
        trainer.Export(temp["vae"]);

        using var baseVae = AutoencoderFolder.Load(temp["base"]);
        using var tuned = AutoencoderFolder.Load(temp["vae"]);
        Assert.Equal(baseVae.Config.ScalingFactor, tuned.Config.ScalingFactor);
        var before = baseVae.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();
        static bool IsDecoder(string name) => name.StartsWith("decoder.") || name.StartsWith("post_quant_conv.");
        var parameters = tuned.named_parameters().ToList();
        Assert.All(parameters.Where(p => !IsDecoder(p.name)), p => Assert.True(Same(p.parameter, before[p.name]), $"{p.name} changed"));
        int changed = parameters.Count(p => IsDecoder(p.name) && !Same(p.parameter, before[p.name]));
        Assert.True(changed > parameters.Count(p => IsDecoder(p.name)) / 2, $"only {changed} decoder parameters changed");

        var refused = Assert.Throws<LatentSharpException>(() => AutoencoderTrainer.Create(temp["bad"], Options(steps: 2) with { DecoderOnly = true }));
        Assert.Contains("base autoencoder", refused.Message);
        var both = Assert.Throws<LatentSharpException>(() => AutoencoderTrainer.Create(temp["bad2"], Options(steps: 2) with { BaseVae = temp["base"] }));
        Assert.Contains("not both", both.Message);
    }

    [Fact]
    public void KeepingTheLatentsHoldsTheEncoderAndOptionallyTheDecoderNearTheBase()
    {
        TrainBase();
        // (latent drift, decoder drift) of a fine-tune from the base, on shapes images and on latents near the base's
        (double Encoder, double Decoder) Drift(string name, double weight, double decoderNoise)
        {
            var options = Options(steps: 16) with
            {
                Vae = null, BaseVae = temp["base"], RecolorProbability = 0.5, KeepLatentsWeight = weight, KeepDecoderNoise = decoderNoise,
            };
            using (var trainer = AutoencoderTrainer.Create(temp[name + "-run"], options))
            {
                Assert.Equal(TrainingOutcome.Completed, trainer.Train());
                trainer.Export(temp[name]);
            }
            using var baseVae = AutoencoderFolder.Load(temp["base"]);
            using var tuned = AutoencoderFolder.Load(temp[name]);
            if (weight > 0) Assert.Equal(baseVae.Config.ScalingFactor, tuned.Config.ScalingFactor);
            using var _ = no_grad();
            using var data = ImageFolderDataset.Load(options.DataFolder, options.Preprocessing);
            using var pixels = data.Images.narrow(0, 0, 16).to_type(ScalarType.Float32) / 127.5 - 1; // shapes as trained on
            using var a = baseVae.Encode(pixels);
            using var b = tuned.Encode(pixels);
            using var nearby = a.Mean + 0.5 / baseVae.Config.ScalingFactor * randn(a.Mean.shape, generator: new Generator(6));
            return ((a.Mean - b.Mean).square().mean().item<float>(), (baseVae.Decode(nearby) - tuned.Decode(nearby)).abs().mean().item<float>());
        }
        var free = Drift("free", 0, 0);
        var kept = Drift("kept", 100, 0);
        var decoderKept = Drift("decoder-kept", 100, 0.5);
        Assert.True(kept.Encoder < 0.5 * free.Encoder, $"latent drift {kept.Encoder:G3} held, {free.Encoder:G3} free");
        Assert.True(decoderKept.Decoder < 0.5 * kept.Decoder, $"decoder drift {decoderKept.Decoder:G3} held, {kept.Decoder:G3} with the latents alone held");

        var refused = Assert.Throws<LatentSharpException>(() => AutoencoderTrainer.Create(temp["bad"], Options(steps: 2) with { KeepLatentsWeight = 1 }));
        Assert.Contains("base autoencoder", refused.Message);
        var noLatents = Assert.Throws<LatentSharpException>(() => AutoencoderTrainer.Create(temp["bad2"], Options(steps: 2) with { KeepDecoderNoise = 0.5 }));
        Assert.Contains("latents kept", noLatents.Message);
    }
}
