using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Pipelines;
using LatentSharp.Shapes;
using LatentSharp.Tests.Support;
using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

/// <summary>LoRA training: the gradients the merged-weight trick gives, a short run on tiny-sd1, its kohya file, and resume.</summary>
public class LoraTrainerTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void MergedWeightGradientsAreTheLoraGradients()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var x = randn([5, 6], generator: generator);
        var w0 = randn([4, 6], generator: generator);
        var a = randn([2, 6], generator: generator).requires_grad_(true);
        var b = randn([4, 2], generator: generator).requires_grad_(true);
        const float factor = 0.5f;
        Tensor Loss(Tensor w) => nn.functional.linear(x, w).tanh().pow(2).sum();

        // Reference: the unmerged LoRA, autograd straight through W0 + f·B·A.
        var reference = Loss(w0 + b.matmul(a) * factor);
        var (gradA, gradB) = (autograd.grad([reference], [a])[0], autograd.grad([Loss(w0 + b.matmul(a) * factor)], [b])[0]);

        // The trainer's way: the LoRA merged into a weight that requires gradients, then the coupling term.
        var w = (w0 + b.matmul(a).detach() * factor).requires_grad_(true);
        var loss = Loss(w);
        var surrogate = LoraTrainer.WithLoraGradients(loss, [w], _ => b.matmul(a) * factor);
        Assert.Equal(reference.item<float>(), surrogate.item<float>());
        surrogate.backward();
        TensorAssert.Close(gradA, a.grad!, 1e-5, "∂L/∂A");
        TensorAssert.Close(gradB, b.grad!, 1e-5, "∂L/∂B");
    }

    LoraTrainingOptions Options(int steps = 3) => new()
    {
        DataFolder = TinyTraining.ShapesFolder(temp["data"], count: 12),
        BaseModel = Fixtures.TinySd1,
        Preprocessing = new ImagePreprocessing(64),
        Rank = 2,
        Alpha = 1,
        TrainTextEncoder = true,
        Samples = new SampleSettings { Prompts = ["a red circle"], Steps = 2 },
        Optimization = new OptimizationOptions { Steps = steps, BatchSize = 2, WarmupSteps = 1, LearningRate = 1e-2, EmaDecay = 0.9, SampleEvery = 100, CheckpointEvery = 2, Seed = 4 },
    };

    [Fact]
    public void ARunWritesAKohyaLoraThatChangesTheModelAndLoadsBack()
    {
        string file = temp["pink.safetensors"];
        using (var trainer = LoraTrainer.Create(temp["run"], Options()))
        {
            Assert.Equal(TrainingOutcome.Completed, trainer.Train());
            trainer.Export(file, ScalarType.Float16);
        }
        using var lora = LoraFile.Load(file);
        // tiny-sd1: 6 transformers × 2 attentions × 4 projections in the U-Net, 2 layers × 4 in the text encoder.
        Assert.Equal(56, lora.Layers.Count);
        Assert.All(lora.Layers, l => Assert.Equal((2L, 1.0), (l.Rank, l.Alpha!.Value)));
        Assert.Contains(lora.Layers, l => l.Name == "lora_te_text_model_encoder_layers_1_self_attn_out_proj");
        Assert.Contains(lora.Layers, l => l.Name == "lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_k");
        Assert.Equal(("networks.lora", "2", "1", "3", "sd_v1", "tiny-sd1"), (lora.Metadata["ss_network_module"], lora.Metadata["ss_network_dim"],
            lora.Metadata["ss_network_alpha"], lora.Metadata["ss_steps"], lora.Metadata["ss_base_model_version"], lora.Metadata["ss_sd_model_name"]));
        Assert.Equal(lora.Metadata["sshs_model_hash"], DataHash(file));
        Assert.True(new FileInfo(file).Length < 200_000);

        using var model = StableDiffusionModel.Load(Fixtures.TinySd1);
        var before = Adapters.LoraParityTests.Snapshot(model.Unet);
        model.Loras.Set([new LoraApplication(lora, 1.0)]);
        Assert.Contains(model.Unet.named_parameters(), p => !TensorAssert.BitEqual(p.parameter, before[p.name]));
        model.Loras.Set([new LoraApplication(lora, 0.0)]);
        Adapters.LoraParityTests.AssertUnchanged(before, model.Unet);
    }

    [Fact]
    public void ALoconRunAlsoTrainsTheResnetAndSamplerConvolutions()
    {
        string file = temp["locon.safetensors"];
        using (var trainer = LoraTrainer.Create(temp["run"], Options(steps: 2) with { Targets = LoraTargets.Locon, TrainTextEncoder = false }))
        {
            trainer.Train();
            trainer.Export(file);
        }
        using var lora = LoraFile.Load(file);
        var conv1 = Assert.Single(lora.Layers, l => l.Name == "lora_unet_down_blocks_0_resnets_0_conv1");
        Assert.Equal([2L, 32, 3, 3], conv1.Down.shape);  // kohya's conv LoRA: a k×k down convolution, a 1×1 up
        Assert.Equal([32L, 2, 1, 1], conv1.Up.shape);
        Assert.Contains(lora.Layers, l => l.Name == "lora_unet_down_blocks_0_resnets_0_time_emb_proj");
        Assert.Contains(lora.Layers, l => l.Name == "lora_unet_down_blocks_0_downsamplers_0_conv");
        Assert.Contains(lora.Layers, l => l.Name == "lora_unet_up_blocks_0_upsamplers_0_conv");
        Assert.Contains(lora.Layers, l => l.Name.EndsWith("_ff_net_2", StringComparison.Ordinal));
        Assert.DoesNotContain(lora.Layers, l => l.Name is "lora_unet_conv_in" or "lora_unet_conv_out" || l.Name.StartsWith("lora_te_", StringComparison.Ordinal));

        // The loader merges the convolution layers as the trainer did: W₀ + alpha/rank · up·down in the kernel's shape.
        using var model = StableDiffusionModel.Load(Fixtures.TinySd1);
        var weight = model.Unet.named_parameters().Single(p => p.name == "down_blocks.0.resnets.0.conv1.weight").parameter;
        var expected = weight.detach().clone() + (conv1.Up.flatten(1).matmul(conv1.Down.flatten(1)) * (float)conv1.AlphaOverRank).view(weight.shape);
        model.Loras.Set([new LoraApplication(lora, 1.0)]);
        TensorAssert.Close(expected, weight, 1e-6, "merged conv1");
    }

    [Fact]
    public void TheTransformerSetTrainsTheTextEncodersMlpsTooAndTheLoaderMergesThem()
    {
        string file = temp["te-mlp.safetensors"];
        using (var trainer = LoraTrainer.Create(temp["run"], Options(steps: 2) with { Targets = LoraTargets.Transformer }))
        {
            trainer.Train();
            trainer.Export(file);
        }
        using var lora = LoraFile.Load(file);
        // kohya's text-encoder set: 2 layers × (4 attention projections + fc1 + fc2).
        Assert.Equal(12, lora.Layers.Count(l => l.Name.StartsWith("lora_te_", StringComparison.Ordinal)));
        var fc1 = Assert.Single(lora.Layers, l => l.Name == "lora_te_text_model_encoder_layers_0_mlp_fc1");

        using var model = StableDiffusionModel.Load(Fixtures.TinySd1);
        var weight = model.TextEncoder.named_parameters().Single(p => p.name == "text_model.encoder.layers.0.mlp.fc1.weight").parameter;
        var expected = weight.detach().clone() + fc1.Up.flatten(1).matmul(fc1.Down.flatten(1)) * (float)fc1.AlphaOverRank;
        model.Loras.Set([new LoraApplication(lora, 1.0)]);
        TensorAssert.Close(expected, weight, 1e-6, "merged fc1");
    }

    [Fact]
    public void ANewWordIsLearnedAsOneAddedTokenAndWrittenAsAnEmbeddingBesideTheLora()
    {
        // Red and pink only, so the captions name pink (a word tiny-sd1's tokenizer splits into pieces).
        string data = temp["pink-data"];
        ShapesDatasetWriter.Write(new ShapesDataset(seed: 5, imageSize: TinyTraining.Resolution,
            colors: [ShapesVocabulary.ParseColor("red"), ShapesVocabulary.ParseColor("pink")]), 12, data);
        string loraPath = temp["colour.safetensors"];
        var options = Options(steps: 3) with { DataFolder = data, NewWord = "pink", NewWordInit = "red", TrainTextEncoder = false };
        using (var trainer = LoraTrainer.Create(temp["run"], options))
        {
            trainer.Train();
            trainer.Export(loraPath);
            Assert.Equal(temp["pink.safetensors"], trainer.ExportWord(loraPath));
            var clash = Assert.Throws<LatentSharpException>(() => trainer.ExportWord(temp["pink.safetensors"]));
            Assert.Contains("give the LoRA another name", clash.Message);
        }

        using var embedding = TextualInversionFile.Load(temp["pink.safetensors"]);
        Assert.Equal(("pink", 1), (embedding.Word, embedding.VectorCount));
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        using var initial = WordEmbedding.InitialVector(pipeline.Model.TextEncoder, pipeline.Tokenizer, "red");
        var vector = embedding.Vectors["text_encoder"][0];
        // Trained: moved from "red"'s row, by AdamW's few small steps (3 steps at lr 1e-2, EMA 0.9).
        double moved = (vector - initial).abs().max().item<float>();
        Assert.InRange(moved, 1e-4, 0.1);

        // Loaded as any embedding, "pink" becomes the one added token, read from the embedding's row.
        pipeline.SetEmbeddings([embedding]);
        int[] ids = pipeline.Tokenizer.Encode("a pink circle");
        Assert.Equal(5, ids.Length);  // BOS, a, pink, circle, EOS
        Assert.True(ids[2] >= pipeline.Model.TextEncoder.VocabularyRows, "pink is an added token");
        TensorAssert.Close(vector.unsqueeze(0), pipeline.Model.TextEncoder.AddedTokenRows!, 0, "the text encoder's row for pink");
    }

    [Fact]
    public void ANewWordMustBeOneWordOfTheCaptions()
    {
        var error = Assert.Throws<LatentSharpException>(() => LoraTrainer.Create(temp["run"], Options() with { NewWord = "pink" }));
        Assert.Contains("occurs in none of the captions", error.Message);
        Assert.Throws<LatentSharpException>(() => (Options() with { NewWord = "two words" }).Validate());
        Assert.Throws<LatentSharpException>(() => (Options() with { NewWordInit = "red" }).Validate());
    }

    [Fact]
    public void TheSnrFloorRaisesTheWeightOfTheNoisiestSteps()
    {
        double FirstLoss(string run, double? floor)
        {
            var options = Options(steps: 1) with { SnrGamma = 5, SnrFloor = floor };
            using (var trainer = LoraTrainer.Create(temp[run], options with { Optimization = options.Optimization with { BatchSize = 4, LogEvery = 1 } }))
                trainer.Train();
            using var log = System.Text.Json.JsonDocument.Parse(File.ReadLines(new TrainingRunFolder(temp[run]).LogFile).First());
            return log.RootElement.GetProperty("loss").GetDouble();
        }
        // The same draws (same seed); the floor lifts every timestep whose SNR is below 1 from SNR to 1.
        Assert.True(FirstLoss("floor", 1) > FirstLoss("plain", null) * 1.01);
        Assert.Throws<LatentSharpException>(() => (Options() with { SnrGamma = 5, SnrFloor = 6 }).Validate());
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameLora()
    {
        using (var whole = LoraTrainer.Create(temp["whole"], Options(steps: 4)))
        {
            whole.Train();
            whole.Export(temp["whole.safetensors"]);
        }
        using (var first = LoraTrainer.Create(temp["split"], Options(steps: 4)))
        {
            using var stop = new CancellationTokenSource();
            Assert.Equal(TrainingOutcome.Stopped, first.Train(p => { if (p.Step == 2) stop.Cancel(); }, stop.Token));
        }
        using (var resumed = LoraTrainer.Resume(temp["split"]))
        {
            Assert.Equal(2, resumed.State.Step);
            Assert.Equal(TrainingOutcome.Completed, resumed.Train());
            resumed.Export(temp["split.safetensors"]);
        }
        using var a = SafetensorsFile.Open(temp["whole.safetensors"]);
        using var b = SafetensorsFile.Open(temp["split.safetensors"]);
        foreach (var key in a.Keys) Assert.True(TensorAssert.BitEqual(a.Read(key), b.Read(key)), key);
    }

    static string DataHash(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long header = BitConverter.ToInt64(bytes, 0);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan((int)(8 + header))));
    }
}
