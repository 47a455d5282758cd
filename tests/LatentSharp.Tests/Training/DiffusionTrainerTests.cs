using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

public class DiffusionTrainerTests : IDisposable
{
    readonly TempFolder temp = new();
    readonly string data;
    readonly string vae;

    public DiffusionTrainerTests()
    {
        data = TinyTraining.ShapesFolder(temp["data"]);
        vae = TinyTraining.VaeFolder(temp["vae"]);
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public void LossFallsAndTheExportedPipelineLoads()
    {
        using var trainer = DiffusionTrainer.Create(temp["run"], TinyTraining.NewModel(data, vae, steps: 60) with
        {
            Optimization = TinyTraining.NewModel(data, vae, 60).Optimization with { SampleEvery = 60 },
        });
        Assert.Equal(TrainingOutcome.Completed, trainer.Train());

        var history = trainer.State.LossHistory;
        Assert.Equal(12, history.Count);
        double first = history[0].Loss, last = history.TakeLast(3).Average(p => p.Loss);
        Assert.True(last < 0.8 * first, $"loss went from {first:F4} to {last:F4}");
        Assert.True(File.Exists(trainer.Run.SamplePath(60)));
        Assert.True(File.Exists(trainer.Run.LossPlot));
        Assert.Equal(12, File.ReadAllLines(trainer.Run.LogFile).Length);

        trainer.Export(temp["model"], ScalarType.Float16);
        using var loaded = StableDiffusionModel.Load(temp["model"]);
        Assert.Equal(trainer.ScalingFactor, loaded.Vae.Config.ScalingFactor);
        Assert.Equal(trainer.Model.TextEncoder.Config.VocabSize, loaded.TextEncoder.Config.VocabSize);
        Assert.True(File.Exists(Path.Combine(temp["model"], "tokenizer", "vocab.json")));
        Assert.Contains("\"float16\"", File.ReadAllText(Path.Combine(temp["model"], "text_encoder", "config.json")));
        Assert.All(new[] { "unet", "vae", "text_encoder" }, c =>
            Assert.True(Directory.EnumerateFiles(Path.Combine(temp["model"], c), "*.safetensors").Any(), c));
    }

    [Fact]
    public void ScalingFactorMakesTheLatentsUnitVariance()
    {
        using var trainer = DiffusionTrainer.Create(temp["run"], TinyTraining.NewModel(data, vae, steps: 1));
        using var cache = LatentCache.TryLoad(trainer.Run[DiffusionTrainer.LatentCacheFile], 48);
        Assert.NotNull(cache);
        Assert.Equal(1.0, cache.LatentStd() * trainer.ScalingFactor, 3);
        Assert.Equal(trainer.ScalingFactor, trainer.Model.Vae.Config.ScalingFactor);
    }

    [Fact]
    public void ResumedRunEqualsAnUninterruptedOneBitForBit()
    {
        var options = TinyTraining.NewModel(data, vae, steps: 8) with { RandomFlip = true, CaptionDropout = 0.3 };
        using var straight = DiffusionTrainer.Create(temp["straight"], options);
        straight.Train();

        using (var first = DiffusionTrainer.Create(temp["resumed"], options))
        {
            using var stop = new CancellationTokenSource();
            var outcome = first.Train(p => { if (p.Step == 3) stop.Cancel(); }, stop.Token);
            Assert.Equal(TrainingOutcome.Stopped, outcome);
            Assert.Equal(3, first.State.Step);
        }
        using var resumed = DiffusionTrainer.Resume(temp["resumed"]);
        Assert.Equal(3, resumed.State.Step);
        Assert.Equal(TrainingOutcome.Completed, resumed.Train());

        Assert.Equal(straight.State.LossHistory, resumed.State.LossHistory);
        AssertSameWeights(Checkpoint(straight, "weights.safetensors"), Checkpoint(resumed, "weights.safetensors"));
        AssertSameWeights(Checkpoint(straight, "ema.safetensors"), Checkpoint(resumed, "ema.safetensors"));
        Assert.Equal(File.ReadAllBytes(Checkpoint(straight, "optimizer.bin")), File.ReadAllBytes(Checkpoint(resumed, "optimizer.bin")));
        Assert.Equal(File.ReadAllLines(straight.Run.LogFile).Select(StripTime), File.ReadAllLines(resumed.Run.LogFile).Select(StripTime));
    }

    [Fact]
    public void ReloadedCheckpointGivesIdenticalOutputs()
    {
        using var trainer = DiffusionTrainer.Create(temp["run"], TinyTraining.NewModel(data, vae, steps: 4));
        trainer.Train();
        trainer.Export(temp["model"]);
        using var resumed = DiffusionTrainer.Resume(temp["run"]);
        resumed.Export(temp["again"]);

        using var a = StableDiffusionModel.Load(temp["model"]);
        using var b = StableDiffusionModel.Load(temp["again"]);
        using var _ = no_grad();
        using var ids = tensor(new long[] { 1, 2, 3, 4 }, [1, 4]);
        using var latents = randn([1, 4, 8, 8], generator: new Generator(3));
        using var t = tensor(new long[] { 500 });
        using var contextA = a.TextEncoder.PromptEmbeddings(ids);
        using var contextB = b.TextEncoder.PromptEmbeddings(ids);
        TensorAssert.Close(contextA, contextB, 0, "text encoder output");
        using var outA = a.Unet.forward(latents, t, contextA);
        using var outB = b.Unet.forward(latents, t, contextB);
        TensorAssert.Close(outA, outB, 0, "U-Net output");
    }

    [Fact]
    public void FineTunesABaseModelWithItsTextEncoderFrozen()
    {
        var options = TinyTraining.NewModel(data, vae, steps: 3) with
        {
            Vae = null, BaseModel = Fixtures.TinySd1, Unet = null, TextEncoder = null,
            Preprocessing = new ImagePreprocessing(64),
        };
        using var trainer = DiffusionTrainer.Create(temp["run"], options);
        Assert.Equal(TrainingOutcome.Completed, trainer.Train());
        trainer.Export(temp["model"]);

        using var original = StableDiffusionModel.Load(Fixtures.TinySd1);
        using var tuned = StableDiffusionModel.Load(temp["model"]);
        Assert.Equal(original.Vae.Config.ScalingFactor, tuned.Vae.Config.ScalingFactor);
        Assert.Equal(0, MaxDifference(original.TextEncoder, tuned.TextEncoder));
        Assert.Equal(0, MaxDifference(original.Vae, tuned.Vae));
        Assert.True(MaxDifference(original.Unet, tuned.Unet) > 0, "the U-Net did not change");
        Assert.Equal(File.ReadAllText(Path.Combine(Fixtures.TinySd1, "tokenizer", "vocab.json")),
            File.ReadAllText(Path.Combine(temp["model"], "tokenizer", "vocab.json")));
    }

    [Fact]
    public void FineTuningWithATextEncoderRateTrainsTheBaseTextEncoderToo()
    {
        var options = TinyTraining.NewModel(data, vae, steps: 3) with
        {
            Vae = null, BaseModel = Fixtures.TinySd1, Unet = null, TextEncoder = null, TextEncoderLearningRate = 1e-3,
            Preprocessing = new ImagePreprocessing(64),
        };
        using (var trainer = DiffusionTrainer.Create(temp["run"], options))
        {
            Assert.Equal(TrainingOutcome.Completed, trainer.Train());
            trainer.Export(temp["model"]);
        }
        using var original = StableDiffusionModel.Load(Fixtures.TinySd1);
        using var tuned = StableDiffusionModel.Load(temp["model"]);
        Assert.True(MaxDifference(original.TextEncoder, tuned.TextEncoder) > 0, "the text encoder did not change");
        Assert.Equal(0, MaxDifference(original.Vae, tuned.Vae));

        // resumable like any run: the text encoder's weights are in the checkpoint
        using var resumed = DiffusionTrainer.Resume(temp["run"]);
        Assert.Equal(3, resumed.State.Step);
    }

    [Fact]
    public void ARunFolderInUseIsNotOverwritten()
    {
        using (DiffusionTrainer.Create(temp["run"], TinyTraining.NewModel(data, vae, steps: 1))) { }
        var e = Assert.Throws<LatentSharpException>(() => DiffusionTrainer.Create(temp["run"], TinyTraining.NewModel(data, vae, steps: 1)));
        Assert.Contains("--resume", e.Message);
    }

    [Fact]
    public void ResumingAfterTheDataChangedIsRefused()
    {
        using (var trainer = DiffusionTrainer.Create(temp["run"], TinyTraining.NewModel(data, vae, steps: 1))) trainer.Train();
        TinyTraining.ShapesFolder(data, count: 50);
        var e = Assert.Throws<LatentSharpException>(() => DiffusionTrainer.Resume(temp["run"]));
        Assert.Contains("the data changed", e.Message);
    }

    [Fact]
    public void ATextEncoderLearningRateOfZeroKeepsItsInitialWeights()
    {
        var options = TinyTraining.NewModel(data, vae, steps: 6);
        using (var untrained = DiffusionTrainer.Create(temp["untrained"], options)) untrained.Export(temp["initial"]);
        using (var frozen = DiffusionTrainer.Create(temp["frozen"], options with { TextEncoderLearningRate = 0 }))
        {
            frozen.Train();
            frozen.Export(temp["trained"]);
        }
        using var initial = StableDiffusionModel.Load(temp["initial"]);
        using var trained = StableDiffusionModel.Load(temp["trained"]);
        Assert.Equal(0, MaxDifference(initial.TextEncoder, trained.TextEncoder));
        Assert.True(MaxDifference(initial.Unet, trained.Unet) > 1e-4, "the U-Net learned");
    }

    [Fact]
    public void ARunWithItsOwnTextEncoderRateResumesBitForBit()
    {
        var options = TinyTraining.NewModel(data, vae, steps: 6) with { TextEncoderLearningRate = 5e-4 };
        using var straight = DiffusionTrainer.Create(temp["straight"], options);
        straight.Train();
        using (var first = DiffusionTrainer.Create(temp["resumed"], options))
        {
            using var stop = new CancellationTokenSource();
            first.Train(p => { if (p.Step == 2) stop.Cancel(); }, stop.Token);
        }
        using var resumed = DiffusionTrainer.Resume(temp["resumed"]);
        Assert.Equal(TrainingOutcome.Completed, resumed.Train());
        Assert.Equal(straight.State.LossHistory, resumed.State.LossHistory);
        AssertSameWeights(Checkpoint(straight, "weights.safetensors"), Checkpoint(resumed, "weights.safetensors"));

        // a quarter of the U-Net's rate: the text encoder's first AdamW step moves it a quarter as far
        using (var untrained = DiffusionTrainer.Create(temp["untrained"], options)) untrained.Export(temp["initial"]);
        using var initial = StableDiffusionModel.Load(temp["initial"]);
        double FirstStepMove(string run, double? textRate)
        {
            using (var trainer = DiffusionTrainer.Create(temp[run], TinyTraining.NewModel(data, vae, steps: 1) with { TextEncoderLearningRate = textRate }))
            {
                trainer.Train();
                using var weights = SafetensorsFile.Open(Checkpoint(trainer, "weights.safetensors"));
                return initial.TextEncoder.named_parameters().Max(p =>
                {
                    using var after = weights.Read("text_encoder." + p.name);
                    return TensorAssert.MaxAbsDiff(p.parameter, after);
                });
            }
        }
        Assert.InRange(FirstStepMove("quarter", 5e-4) / FirstStepMove("full", null), 0.24, 0.26);
    }

    static string Checkpoint(DiffusionTrainer trainer, string file) =>
        Path.Combine(TrainingCheckpoint.Complete(trainer.Run.Checkpoints)[0], file);

    static void AssertSameWeights(string expectedFile, string actualFile)
    {
        using var expected = SafetensorsFile.Open(expectedFile);
        using var actual = SafetensorsFile.Open(actualFile);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var key in expected.Keys)
        {
            using var e = expected.Read(key);
            using var a = actual.Read(key);
            TensorAssert.Close(e, a, 0, key);
        }
    }

    static double MaxDifference(TorchSharp.torch.nn.Module a, TorchSharp.torch.nn.Module b) =>
        a.named_parameters().Zip(b.named_parameters()).Max(p => TensorAssert.MaxAbsDiff(p.First.parameter, p.Second.parameter));

    static string StripTime(string line) => System.Text.RegularExpressions.Regex.Replace(line, "\"(samples_per_second|time)\":[^,}]*", "");
}
