using System.Text.Json.Nodes;
using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using LatentSharp.Text;
using LatentSharp.Tests.Support;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Sdxl;

/// <summary>
/// SDXL folders (fp32 and the ".fp16" variant files) and original single files are recognised without being told the
/// kind; the fp16 VAE stays in float32 (force_upcast); bad folders fail in one line naming the file and the fault.
/// </summary>
public class SdxlLoadingTests
{
    static readonly string[] WeightFiles =
    [
        "text_encoder/model.safetensors", "text_encoder_2/model.safetensors",
        "unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
    ];

    [Fact]
    public void FolderIsRecognisedWithBothTextEncodersAndTokenizers()
    {
        using var checkpoint = StableDiffusionCheckpoint.Open(Fixtures.TinySdxl);
        Assert.Equal(StableDiffusionKind.Sdxl, checkpoint.Kind);
        Assert.NotNull(checkpoint.TextEncoder2Weights);
        Assert.Equal(12, checkpoint.Configs.TextEncoder2!.ProjectionDim);
        Assert.True(checkpoint.Configs.ForceZerosForEmptyPrompt);
        Assert.Equal(Path.Combine(Fixtures.TinySdxl, "tokenizer_2"), checkpoint.Tokenizer2Path);
        Assert.Equal(["text_encoder", "text_encoder_2", "unet", "vae"], checkpoint.Summarize().Select(c => c.Name));
    }

    /// <summary>A copy of tiny-sdxl whose weights exist only as diffusers' ".fp16" variant files.</summary>
    static string Fp16VariantCopy(TempFolder temp)
    {
        string folder = temp.CopyOf(Fixtures.TinySdxl, "fp16");
        foreach (string file in WeightFiles)
        {
            string full = Path.Combine(folder, file);
            Dictionary<string, Tensor> tensors;
            using (var stored = SafetensorsFile.Open(full)) tensors = stored.ReadAll();
            SafetensorsWriter.Write(Path.ChangeExtension(full, ".fp16.safetensors"), tensors, dtype: ScalarType.Float16);
            foreach (var t in tensors.Values) t.Dispose();
            File.Delete(full);
        }
        return folder;
    }

    [Fact]
    public void Fp16VariantLoadsInEveryDtypeAndTheHalfVaeIsUpcast()
    {
        using var temp = new TempFolder();
        string folder = Fp16VariantCopy(temp);
        var reference = TinyModels.Get(TinyModels.Sdxl);

        using (var half = StableDiffusionModel.Load(folder, ScalarType.Float16))
        {
            Assert.Equal(ScalarType.Float16, half.Unet.parameters().First().dtype);
            Assert.Equal(ScalarType.Float16, half.TextEncoder2!.parameters().First().dtype);
            Assert.All(half.Vae.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));   // force_upcast
        }
        using (var bf16 = StableDiffusionModel.Load(folder, ScalarType.BFloat16))
            Assert.Equal(ScalarType.BFloat16, bf16.Vae.parameters().First().dtype);                // bf16 has fp32's range
        using var full = StableDiffusionModel.Load(folder);
        // tiny-sdxl's weights are fp16-exact: the variant holds them exactly.
        foreach (var (a, b) in new (nn.Module, nn.Module)[] { (reference.TextEncoder2!, full.TextEncoder2!), (reference.Unet, full.Unet), (reference.Vae, full.Vae) })
            foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
                TensorAssert.Close(p, q, 0, name);
    }

    [Fact]
    public void VaeWithoutForceUpcastRunsInHalfPrecision() =>
        Assert.Equal(ScalarType.Float16, StableDiffusionCheckpoint.VaeDType(new AutoencoderKLConfig { ForceUpcast = false }, ScalarType.Float16));

    [Fact]
    public void SingleFileWithTheFolderConfigsHoldsTheFolderWeights()
    {
        var folder = TinyModels.Get(TinyModels.Sdxl);
        var single = TinyModels.Get(TinyModels.SdxlSingle);
        Assert.Equal(StableDiffusionKind.Sdxl, single.Kind);
        foreach (var (a, b) in new (nn.Module, nn.Module)[]
                 { (folder.TextEncoder, single.TextEncoder), (folder.TextEncoder2!, single.TextEncoder2!), (folder.Unet, single.Unet), (folder.Vae, single.Vae) })
            foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
                TensorAssert.Close(p, q, 0, name);
    }

    /// <summary>SDXL's shape at toy size, with heads 64 wide as in SDXL (what single-file inference assumes).</summary>
    static StableDiffusionConfigSet SmallSdxl()
    {
        var template = StableDiffusionConfigs.Sdxl;
        var text = template.TextEncoder with { HiddenSize = 64, ProjectionDim = 64, IntermediateSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 1 };
        var text2 = template.TextEncoder2! with { HiddenSize = 64, ProjectionDim = 32, IntermediateSize = 128, NumHiddenLayers = 3, NumAttentionHeads = 1 };
        var unet = template.Unet with
        {
            BlockOutChannels = [64, 128], LayersPerBlock = 1, TransformerLayersPerBlock = new[] { 1, 2 }, AttentionHeadDim = new[] { 1, 2 },
            DownBlockTypes = ["DownBlock2D", "CrossAttnDownBlock2D"], UpBlockTypes = ["CrossAttnUpBlock2D", "UpBlock2D"],
            CrossAttentionDim = 128, AdditionTimeEmbedDim = 8, ProjectionClassEmbeddingsInputDim = 32 + 6 * 8, UpcastAttention = false,
        };
        var vae = template.Vae with
        {
            BlockOutChannels = [32, 32], LayersPerBlock = 1, DownBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D"],
            UpBlockTypes = ["UpDecoderBlock2D", "UpDecoderBlock2D"],
        };
        return template with { TextEncoder = text, TextEncoder2 = text2, Unet = unet, Vae = vae };
    }

    [Fact]
    public void SingleFileConfigsAreInferredFromTheWeightShapes()
    {
        using var temp = new TempFolder();
        manual_seed(3);
        using var original = StableDiffusionModel.Create(SmallSdxl(), "small-sdxl");
        SingleFileWriter.Write(original, temp["small-sdxl.safetensors"]);

        using var checkpoint = StableDiffusionCheckpoint.Open(temp["small-sdxl.safetensors"]);
        Assert.Equal(StableDiffusionKind.Sdxl, checkpoint.Kind);
        var (expected, inferred) = (original.Configs, checkpoint.Configs);
        Assert.Equal(ConfigJson.Serialize(expected.Unet), ConfigJson.Serialize(inferred.Unet));
        Assert.Equal(ConfigJson.Serialize(expected.Vae), ConfigJson.Serialize(inferred.Vae));
        Assert.Equal(expected.TextEncoder, inferred.TextEncoder);
        Assert.Equal(expected.TextEncoder2, inferred.TextEncoder2);
        using var loaded = checkpoint.Load();
        foreach (var (a, b) in new (nn.Module, nn.Module)[]
                 { (original.TextEncoder, loaded.TextEncoder), (original.TextEncoder2!, loaded.TextEncoder2!), (original.Unet, loaded.Unet), (original.Vae, loaded.Vae) })
            foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
                TensorAssert.Close(p, q, 0, name);
    }

    /// <summary>The writer against diffusers' own converter (convert_diffusers_to_original_sdxl.py --half made the fixture file).</summary>
    [Theory]
    [InlineData(TinyModels.Sdxl)]
    [InlineData(TinyModels.Sd1)]
    public void WrittenSingleFileEqualsDiffusersConversion(string modelName)
    {
        using var temp = new TempFolder();
        SingleFileWriter.Write(TinyModels.Get(modelName), temp["written.safetensors"], ScalarType.Float16);
        using var written = SafetensorsFile.Open(temp["written.safetensors"]);
        using var reference = SafetensorsFile.Open(modelName == TinyModels.Sdxl ? Fixtures.TinySdxlSingle : Fixtures.TinySd1Single);
        var ignored = new[] { "embeddings.position_ids" };   // a buffer older converters copied, not a weight
        var expectedKeys = reference.Keys.Where(k => !ignored.Any(k.EndsWith)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedKeys, written.Keys.Order(StringComparer.Ordinal).ToList());
        foreach (var key in expectedKeys)
        {
            using var a = reference.Read(key);
            using var b = written.Read(key);
            Assert.True(a.shape.SequenceEqual(b.shape), $"{key}: [{string.Join(", ", b.shape)}] written, [{string.Join(", ", a.shape)}] expected");
            TensorAssert.Close(a, b, 0, key);
        }
    }

    [Fact]
    public void SavedFolderLoadsBackAsSdxl()
    {
        using var temp = new TempFolder();
        var original = TinyModels.Get(TinyModels.SdxlSingle);
        original.Save(temp["saved"]);
        using var loaded = StableDiffusionModel.Load(temp["saved"]);
        Assert.Equal(StableDiffusionKind.Sdxl, loaded.Kind);
        Assert.Equal(ConfigJson.Serialize(original.Configs.Unet), ConfigJson.Serialize(loaded.Configs.Unet));
        Assert.Equal(0, ClipTokenizer.FromFolder(loaded.Tokenizer2Path!).PadTokenId);
        var index = JsonNode.Parse(File.ReadAllText(temp["saved/model_index.json"]))!;
        Assert.Equal("StableDiffusionXLPipeline", (string?)index["_class_name"]);
        Assert.True((bool?)index["force_zeros_for_empty_prompt"]);
        foreach (var ((name, p), (_, q)) in original.TextEncoder2!.named_parameters().Zip(loaded.TextEncoder2!.named_parameters()))
            TensorAssert.Close(p, q, 0, name);
    }

    // Bad input: one line naming the file and the fault.

    static CheckpointException LoadFails(string path)
    {
        var e = Assert.Throws<CheckpointException>(() => StableDiffusionModel.Load(path).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void FolderWithoutTextEncoder2IsRefused()
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(Fixtures.TinySdxl, "model");
        Directory.Delete(Path.Combine(folder, "text_encoder_2"), recursive: true);
        var e = LoadFails(folder);
        Assert.Equal(Path.Combine(folder, "text_encoder_2"), e.Path);
        Assert.Contains("missing: an SDXL U-Net (addition_embed_type text_time) needs text_encoder_2", e.Message);
    }

    static string WithEditedJson(TempFolder temp, string file, Action<JsonObject> edit)
    {
        string folder = temp.CopyOf(Fixtures.TinySdxl, "model");
        string path = Path.Combine(folder, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return folder;
    }

    [Fact]
    public void UnknownAdditionEmbedTypeNamesTheConfigFile()
    {
        using var temp = new TempFolder();
        string folder = WithEditedJson(temp, "unet/config.json", c => c["addition_embed_type"] = "image");
        var e = LoadFails(folder);
        Assert.Equal(Path.Combine(folder, "unet", "config.json"), e.Path);
        Assert.Contains("addition_embed_type 'image' is not supported", e.Message);
    }

    [Fact]
    public void VaeWithLatentStatisticsIsRefusedRatherThanDecodedWrong()
    {
        using var temp = new TempFolder();
        string folder = WithEditedJson(temp, "vae/config.json", c =>
        {
            c["latents_mean"] = new JsonArray(0.1, 0.2, 0.3, 0.4);
            c["latents_std"] = new JsonArray(1.0, 1.0, 1.0, 1.0);
        });
        var e = LoadFails(folder);
        Assert.Equal(Path.Combine(folder, "vae", "config.json"), e.Path);
        Assert.Contains("latents_mean / latents_std are not supported", e.Message);
    }

    [Fact]
    public void UNetThatDoesNotFitTheTextEncodersIsRefused()
    {
        using var temp = new TempFolder();
        string folder = WithEditedJson(temp, "unet/config.json", c => c["projection_class_embeddings_input_dim"] = 64);
        var e = LoadFails(folder);
        Assert.Equal(Path.Combine(folder, "unet", "config.json"), e.Path);
        Assert.Contains("projection_class_embeddings_input_dim 64 does not fit text_encoder_2's projection_dim 12 + 6 × addition_time_embed_dim 8 = 60", e.Message);
    }

    [Fact]
    public void MisShapedTextEncoder2WeightIsNamed()
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(Fixtures.TinySdxl, "model");
        string path = Path.Combine(folder, "text_encoder_2", "model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(path)) tensors = file.ReadAll();
        tensors["text_projection.weight"] = zeros(16, 16);
        SafetensorsWriter.Write(path, tensors);
        var e = LoadFails(folder);
        Assert.Equal(path, e.Path);
        Assert.Contains("1 mis-shaped weight (text_projection.weight [16, 16] in the file, [12, 16] expected)", e.Message);
    }

    [Fact]
    public void RefinerFolderIsRefusedWithTheReason()
    {
        using var temp = new TempFolder();
        string folder = WithEditedJson(temp, "model_index.json", c =>
        {
            c["text_encoder"] = new JsonArray(null, null);
            c["requires_aesthetics_score"] = true;
        });
        var e = LoadFails(folder);
        Assert.Contains("an SDXL refiner (text_encoder_2 only, aesthetic-score conditioning) is not supported", e.Message);
    }

    [Fact]
    public void SingleFileWithoutTextEncoder2IsRefused()
    {
        using var temp = new TempFolder();
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(Fixtures.TinySdxlSingle)) tensors = file.ReadAll();
        foreach (var key in tensors.Keys.Where(k => k.StartsWith(SingleFileKeyMap.SdxlOpenClipPrefix, StringComparison.Ordinal)).ToList())
            tensors.Remove(key);
        SafetensorsWriter.Write(temp["broken.safetensors"], tensors);
        var e = LoadFails(temp["broken.safetensors"]);
        Assert.Contains("SDXL checkpoint without text_encoder_2 (conditioner.embedders.1.model.*)", e.Message);
    }

    [Fact]
    public void TinySingleFileWithoutConfigsSaysWhatCannotBeInferred()
    {
        var e = LoadFails(Fixtures.TinySdxlSingle);
        Assert.Contains("cannot infer attention heads for 32 channels", e.Message);
    }
}
