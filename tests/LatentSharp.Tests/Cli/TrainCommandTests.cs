using LatentSharp.Autoencoder;
using LatentSharp.Cli;
using LatentSharp.Cli.Training;
using LatentSharp.Training;
using LatentSharp.Tests.Support;
using LatentSharp.Tests.Training;

namespace LatentSharp.Tests.Cli;

public class TrainCommandTests : IDisposable
{
    readonly TempFolder temp = new();
    readonly string data;

    public TrainCommandTests()
    {
        data = TinyTraining.ShapesFolder(temp["data"], count: 20);
        ConfigJson.Write(temp["vae.json"], TinyTraining.Vae);
        ConfigJson.Write(temp["unet.json"], TinyTraining.Unet);
        ConfigJson.Write(temp["text.json"], TinyTraining.TextEncoder);
        File.WriteAllLines(temp["prompts.txt"], ["a red circle", "", "a blue star on the left"]);
    }

    public void Dispose() => temp.Dispose();

    string[] Tiny(params string[] args) =>
        [.. args, "--data", data, "--resolution", "32", "--batch-size", "4", "--steps", "2", "--warmup", "1"];

    [Fact]
    public void TrainsAnAutoencoderThenAModelThatGenerateLoads()
    {
        Assert.Equal(0, Program.Main(["train", "vae", .. Tiny("--out", temp["vae-run"], "--config", temp["vae.json"], "--val-count", "4")]));
        Assert.True(File.Exists(temp["vae-run/vae/config.json"]));
        Assert.True(File.Exists(temp["vae-run/samples/step_0000002.png"]));

        Assert.Equal(0, Program.Main(["train", "unet", .. Tiny("--out", temp["run"], "--vae", temp["vae-run"], "--unet-config", temp["unet.json"],
            "--text-encoder-config", temp["text.json"], "--vocab-size", "600", "--sample-prompts", temp["prompts.txt"], "--sample-steps", "2",
            "--export-dtype", "fp16")]));
        Assert.True(File.Exists(temp["run/model/model_index.json"]));
        Assert.True(File.Exists(temp["run/samples/step_0000002.png"]));
        PictureAssert.IsChart(temp["run/loss.png"]);
        Assert.NotEqual(1.0, ConfigJson.Read<AutoencoderKLConfig>(temp["vae-run/vae/config.json"]).ScalingFactor);
        // Each run records the thread count it trained with, for its resumption.
        Assert.Equal(TorchSharp.torch.get_num_threads(), new TrainingRunFolder(temp["run"]).Read<DiffusionTrainingOptions>(DiffusionTrainer.Kind).Optimization.Threads);

        Assert.Equal(0, Program.Main(["generate", "a red circle", "--model", temp["run/model"], "--steps", "2", "--seed", "1", "--output", temp["out.png"]]));
        Assert.True(File.Exists(temp["out.png"]));

        // A finished run resumes to nothing new and keeps its export.
        Assert.Equal(0, Program.Main(["train", "unet", "--out", temp["run"], "--resume"]));
    }

    [Fact]
    public void EvaluatesAdherenceAndTrainsTheGivenScheduleFromTheCommandLine()
    {
        TinyTraining.VaeFolder(temp["vae"]);
        var schedule = LatentSharp.Training.ShapesPresets.Scheduler("v_prediction") with { RescaleBetasZeroSnr = true };
        File.WriteAllText(temp["scheduler.json"], schedule.ToJson());
        Assert.Equal(0, Program.Main(["train", "unet", .. Tiny("--out", temp["run"], "--vae", temp["vae"], "--unet-config", temp["unet.json"],
            "--text-encoder-config", temp["text.json"], "--vocab-size", "600", "--scheduler-config", temp["scheduler.json"],
            "--eval-every", "1", "--eval-prompts", "2", "--eval-seeds", "1", "--snr-gamma", "5", "--snr-floor", "1",
            "--timestep-bias", "later", "--timestep-bias-multiplier", "4", "--timestep-bias-portion", "0.3",
            "--layout-shift-from", "700", "--layout-shift-full", "900")]));
        Assert.Equal(2, File.ReadAllLines(temp["run/eval.jsonl"]).Length);
        var run = ConfigJson.Read<LatentSharp.Training.DiffusionTrainingOptions>(temp["run/run.json"]);
        Assert.Equal(1, run.SnrFloor);
        Assert.Equal(new LatentSharp.Training.TimestepBias { Strategy = "later", Multiplier = 4, Portion = 0.3 }, run.TimestepBias);
        Assert.Equal(new LatentSharp.Training.LayoutShift { From = 700, Full = 900 }, run.LayoutShift);
        PictureAssert.IsChart(temp["run/eval.png"], minColours: 3);
        string exported = File.ReadAllText(temp["run/model/scheduler/scheduler_config.json"]);
        Assert.Contains("\"v_prediction\"", exported);
        Assert.Contains("\"rescale_betas_zero_snr\": true", exported);
        // The schedule's prediction type against an explicit --prediction-type epsilon: zero SNR cannot train ε.
        Assert.Equal(1, Program.Main(["train", "unet", .. Tiny("--out", temp["run2"], "--vae", temp["vae"], "--scheduler-config", temp["scheduler.json"],
            "--prediction-type", "epsilon")]));
    }

    [Fact]
    public void AResumedRunExportsWhereAndAsTheRunWasStarted()
    {
        TinyTraining.VaeFolder(temp["vae"]);
        Assert.Equal(0, Program.Main(["train", "unet", .. Tiny("--out", temp["run"], "--vae", temp["vae"], "--unet-config", temp["unet.json"],
            "--text-encoder-config", temp["text.json"], "--vocab-size", "600", "--sample-prompts", temp["prompts.txt"], "--sample-steps", "1",
            "--export", temp["model"], "--export-dtype", "fp16")]));
        string weights = "unet/diffusion_pytorch_model.safetensors";
        Assert.Equal("F16", TensorDtypes(temp[$"model/{weights}"]));
        Assert.False(Directory.Exists(temp["run/model"]));

        // The short command the progress line prints, without the first command's --export and --export-dtype.
        Directory.Delete(temp["model"], recursive: true);
        Assert.Equal(0, Program.Main(["train", "unet", "--out", temp["run"], "--resume", "--export-only"]));
        Assert.Equal("F16", TensorDtypes(temp[$"model/{weights}"]));
        Assert.False(Directory.Exists(temp["run/model"]));

        // Options given on resume win, and are what the next resume uses.
        Assert.Equal(0, Program.Main(["train", "unet", "--out", temp["run"], "--resume", "--export-only", "--export", temp["model32"], "--export-dtype", "fp32"]));
        Assert.Equal("F32", TensorDtypes(temp[$"model32/{weights}"]));
        Assert.Contains("model32", File.ReadAllText(temp[$"run/{ExportTarget.FileName}"]));

        File.WriteAllText(temp[$"run/{ExportTarget.FileName}"], "{\"path\": \"x\", \"dtype\": \"fp8\"}");
        Assert.Equal(2, Program.Main(["train", "unet", "--out", temp["run"], "--resume", "--export-only"]));
    }

    /// <summary>The dtypes of a safetensors file's tensors, joined.</summary>
    static string TensorDtypes(string file)
    {
        using var weights = LatentSharp.Checkpoints.SafetensorsFile.Open(file);
        return string.Join(",", weights.Entries.Select(e => e.DType).Distinct());
    }

    [Fact]
    public void ResumeTakesTheRunsOwnSettings()
    {
        Assert.Equal(2, Program.Main(["train", "unet", "--out", temp["run"], "--resume", "--steps", "5"]));
        Assert.Equal(1, Program.Main(["train", "unet", "--out", temp["nothing"], "--resume"]));
    }

    [Theory]
    [InlineData(null, 1, 1, false)]     // a resumed run keeps its own count
    [InlineData(null, null, null, false)] // a run recorded before counts were kept: LibTorch's default
    [InlineData(2, 2, 2, false)]
    [InlineData(2, 1, 2, true)]         // another count is taken, with a warning: no longer bit-exact
    [InlineData(3, null, 3, false)]
    public void AResumedRunTrainsOnItsRecordedThreadCount(int? given, int? recorded, int? expected, bool warns)
    {
        var (threads, warning) = TrainingOptions.ResumedThreads(given, recorded);
        Assert.Equal(expected, threads);
        Assert.Equal(warns, warning != null);
    }

    [Theory]
    [InlineData("--prediction-type", "sample")]
    [InlineData("--export-dtype", "int8")]
    [InlineData("--caption-dropout", "2")]
    [InlineData("--eval-every", "-1")]
    [InlineData("--snr-floor", "0")]
    [InlineData("--timestep-bias", "middle")]
    [InlineData("--timestep-bias-portion", "1.5")]
    [InlineData("--layout-shift-from", "-1")]
    public void BadOptionsAreUsageErrors(string option, string value) =>
        Assert.Equal(2, Program.Main(["train", "unet", .. Tiny("--out", temp["run"], "--vae", temp["vae"], option, value)]));

    [Fact]
    public void ANewModelNeedsEitherAnAutoencoderOrABaseModel()
    {
        Assert.Equal(1, Program.Main(["train", "unet", .. Tiny("--out", temp["run"])]));
        Assert.False(Directory.Exists(temp["run"]));
    }

    [Fact]
    public void PositionWordsTrainsTheTextEncoderResumesAndRefusesRunOptionsOnResume()
    {
        string[] run = ["train", "position-words", "--out", temp["pw"], "--batch-size", "4", "--steps", "3", "--eval-every", "2"];
        Assert.Equal(2, Program.Main([.. run]));   // no --base-model
        Assert.Equal(2, Program.Main([.. run, "--base-model", Fixtures.TinySd1, "--pairs", "diagonal"]));
        Assert.Equal(2, Program.Main([.. run, "--base-model", Fixtures.TinySd1, "--resolution", "32"]));   // no images: no image options
        Assert.Equal(1, Program.Main([.. run, "--base-model", temp["no-such-model"]]));
        Assert.False(Directory.Exists(temp["pw"]));

        Assert.Equal(0, Program.Main([.. run, "--base-model", Fixtures.TinySd1, "--margin", "20", "--export-dtype", "fp16"]));
        Assert.Equal("F16", TensorDtypes(temp["pw/model/text_encoder/model.safetensors"]));
        Assert.Equal([0L, 2, 3], File.ReadAllLines(temp["pw/eval.jsonl"]).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()));
        Assert.True(File.Exists(temp["pw/samples/step_0000003.png"]));

        Assert.Equal(2, Program.Main(["train", "position-words", "--out", temp["pw"], "--resume", "--margin", "30"]));
        Directory.Delete(temp["pw/model"], recursive: true);
        Assert.Equal(0, Program.Main(["train", "position-words", "--out", temp["pw"], "--resume", "--export-only"]));
        Assert.Equal("F16", TensorDtypes(temp["pw/model/text_encoder/model.safetensors"]));
    }

    [Fact]
    public void PhrasingsTrainsTheTextEncoderResumesAndRefusesRunOptionsOnResume()
    {
        string[] run = ["train", "phrasings", "--out", temp["ph"], "--batch-size", "2", "--steps", "3", "--eval-every", "2"];
        Assert.Equal(2, Program.Main([.. run]));   // no --base-model
        Assert.Equal(2, Program.Main([.. run, "--base-model", Fixtures.TinySd1, "--timestep-bias", "sideways"]));
        Assert.Equal(2, Program.Main([.. run, "--base-model", Fixtures.TinySd1, "--random-flip"]));   // images are generated: no image options
        Assert.Equal(1, Program.Main([.. run, "--base-model", temp["no-such-model"]]));
        Assert.False(Directory.Exists(temp["ph"]));

        Assert.Equal(0, Program.Main([.. run, "--base-model", Fixtures.TinySd1, "--hold-weight", "3", "--export-dtype", "fp16"]));
        Assert.Equal("F16", TensorDtypes(temp["ph/model/text_encoder/model.safetensors"]));
        Assert.Equal([0L, 2, 3], File.ReadAllLines(temp["ph/eval.jsonl"]).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()));
        Assert.True(File.Exists(temp["ph/samples/step_0000003.png"]));
        Assert.Contains("\"hold_weight\": 3", File.ReadAllText(temp["ph/run.json"]));

        Assert.Equal(2, Program.Main(["train", "phrasings", "--out", temp["ph"], "--resume", "--hold-weight", "1"]));
        Directory.Delete(temp["ph/model"], recursive: true);
        Assert.Equal(0, Program.Main(["train", "phrasings", "--out", temp["ph"], "--resume", "--export-only"]));
        Assert.Equal("F16", TensorDtypes(temp["ph/model/text_encoder/model.safetensors"]));
    }
}
