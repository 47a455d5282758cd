using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Adapters;

/// <summary>How LoRAs combine, and exact removal for every kind of model (folder, single file, built in memory).</summary>
public class LoraBehaviourTests
{
    static string Kohya => Fixtures.Adapter("tiny-sd1-lora-kohya.safetensors");
    static string Peft => Fixtures.Adapter("tiny-sd1-lora-peft.safetensors");

    [Fact]
    public void KohyaNameTableMatchesDiffusersForEveryLayerOfTheFile()
    {
        using var model = TinyModels.Load(TinyModels.Sd1);
        var table = LoraModuleTable.For(model);
        int checkedNames = 0;
        foreach (var entry in Fixtures.Wave2("lora_kohya_name_to_module").EnumerateObject())
        {
            var target = table.Find(entry.Name);
            Assert.True(target != null, $"{entry.Name} resolves to no module");
            Assert.Equal(entry.Value.GetString(), target!.DiffusersName);
            Assert.Equal(entry.Name, table.KohyaName(target.Component, target.ModulePath));
            checkedNames++;
        }
        Assert.Equal(88, checkedNames);
    }

    [Fact]
    public void OriginalLdmSpellingsOfUnetLayersResolveToo()
    {
        using var model = TinyModels.Load(TinyModels.Sd1);
        var table = LoraModuleTable.For(model);
        Assert.Equal("unet.mid_block.attentions.0.proj_in", table.Find("lora_unet_middle_block_1_proj_in")?.DiffusersName);
        Assert.Equal("unet.mid_block.resnets.0.time_emb_proj", table.Find("lora_unet_middle_block_0_emb_layers_1")?.DiffusersName);
        Assert.Equal("unet.down_blocks.0.resnets.0.conv1", table.Find("lora_unet_input_blocks_1_0_in_layers_2")?.DiffusersName);
        Assert.Equal("unet.down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_out.0",
            table.Find("lora_unet_input_blocks_2_1_transformer_blocks_0_attn2_to_out_0")?.DiffusersName);
        Assert.Null(table.Find("lora_unet_input_blocks_99_1_proj_in"));
    }

    [Fact]
    public void KohyaAndPeftFilesGiveTheSameWeights()
    {
        using var a = TinyModels.Load(TinyModels.Sd1);
        using var b = TinyModels.Load(TinyModels.Sd1);
        using var kohya = LoraFile.Load(Kohya);
        using var peft = LoraFile.Load(Peft);
        a.Loras.Set([new LoraApplication(kohya, 0.8)]);
        b.Loras.Set([new LoraApplication(peft, 0.8)]);
        var bWeights = b.Unet.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, weight) in a.Unet.named_parameters())
            TensorAssert.Close(weight, bWeights[name], 1e-6, name);
    }

    [Fact]
    public void SeveralLorasAddUpAndScaleZeroChangesNothing()
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Load(TinyModels.Sd1);
        using var kohya = LoraFile.Load(Kohya);
        using var peft = LoraFile.Load(Peft);
        var before = LoraParityTests.Snapshot(model.Unet);

        model.Loras.Set([new LoraApplication(kohya, 0.0)]);
        LoraParityTests.AssertUnchanged(before, model.Unet);

        model.Loras.Set([new LoraApplication(kohya, 1.0)]);
        var once = LoraParityTests.Snapshot(model.Unet);
        model.Loras.Set([new LoraApplication(kohya, 0.25), new LoraApplication(peft, 0.75)]);
        Assert.Equal(2, model.Loras.Active.Count);
        var twice = LoraParityTests.Snapshot(model.Unet);
        foreach (var (name, weight) in once) TensorAssert.Close(weight, twice[name], 1e-6, name);
        Assert.Contains(once, kv => !TensorAssert.BitEqual(kv.Value, before[kv.Key]));

        model.Loras.Set([]);
        LoraParityTests.AssertUnchanged(before, model.Unet);
    }

    [Fact]
    public void TextEncoderAndUnetScalesApplySeparately()
    {
        using var model = TinyModels.Load(TinyModels.Sd1);
        using var kohya = LoraFile.Load(Kohya);
        var unetBefore = LoraParityTests.Snapshot(model.Unet);
        var textBefore = LoraParityTests.Snapshot(model.TextEncoder);
        model.Loras.Set([new LoraApplication(kohya, UnetScale: 0, TextEncoderScale: 1)]);
        LoraParityTests.AssertUnchanged(unetBefore, model.Unet);
        Assert.Contains(model.TextEncoder.named_parameters(), p => !TensorAssert.BitEqual(p.parameter, textBefore[p.name]));
    }

    [Fact]
    public void RemovalIsExactForAModelBuiltInMemoryAndInBf16()
    {
        using var scope = NewDisposeScope();
        using var loaded = TinyModels.Load(TinyModels.Sd1);
        using var inMemory = new StableDiffusionModel(loaded.Configs, loaded.TextEncoder, loaded.Unet, loaded.Vae, "in-memory");
        using var kohya = LoraFile.Load(Kohya);
        var before = LoraParityTests.Snapshot(inMemory.Unet);
        inMemory.Loras.Set([new LoraApplication(kohya, 1.0)]);
        inMemory.Loras.Clear();
        LoraParityTests.AssertUnchanged(before, inMemory.Unet);

        using var bf16 = StableDiffusionModel.Load(Fixtures.TinySd1, ScalarType.BFloat16);
        var bfBefore = LoraParityTests.Snapshot(bf16.Unet);
        bf16.Loras.Set([new LoraApplication(kohya, 1.0)]);
        Assert.Contains(bf16.Unet.named_parameters(), p => !TensorAssert.BitEqual(p.parameter, bfBefore[p.name]));
        bf16.Loras.Clear();
        LoraParityTests.AssertUnchanged(bfBefore, bf16.Unet);
    }

    [Fact]
    public void RestoreIsRefusedWhenTheModelFilesChangedOnDisk()
    {
        using var temp = new TempFolder();
        string folder = temp.CopyOf(Fixtures.TinySd1, "model");
        using var model = StableDiffusionModel.Load(folder);
        using var kohya = LoraFile.Load(Kohya);
        model.Loras.Set([new LoraApplication(kohya, 1.0)]);
        string unetFile = Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors");
        File.SetLastWriteTimeUtc(unetFile, DateTime.UtcNow.AddMinutes(5));
        var error = Assert.Throws<LatentSharpException>(() => model.Loras.Clear());
        Assert.Contains("changed on disk", error.Message);
    }

    [Fact]
    public void ALoraForAnotherModelIsRefusedNamingLayersAndNothingChanges()
    {
        using var model = TinyModels.Load(TinyModels.Sd2);
        using var kohya = LoraFile.Load(Kohya);
        var before = LoraParityTests.Snapshot(model.Unet);
        var error = Assert.Throws<CheckpointException>(() => model.Loras.Set([new LoraApplication(kohya, 1.0)]));
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("tiny-sd1-lora-kohya.safetensors", error.Message);
        Assert.Matches(@"\d+ layers? (the model does not have|of another shape) \(lora_", error.Message);
        Assert.Empty(model.Loras.Active);
        LoraParityTests.AssertUnchanged(before, model.Unet);
    }
}

/// <summary>SDXL: kohya's sgm block names for the U-Net, lora_te1_ / lora_te2_ for the two text encoders.</summary>
public class SdxlLoraTests
{
    [Fact]
    public void KohyaSdxlNamesResolveAndApplyAndRemoveExactly()
    {
        using var model = TinyModels.Load(TinyModels.Sdxl);
        var table = LoraModuleTable.For(model);
        Assert.Equal("unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k",
            table.Find("lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k")?.DiffusersName);
        Assert.Equal("unet.mid_block.attentions.0.transformer_blocks.1.attn1.to_out.0",
            table.Find("lora_unet_middle_block_1_transformer_blocks_1_attn1_to_out_0")?.DiffusersName);
        Assert.Equal("unet.up_blocks.0.attentions.0.proj_in", table.Find("lora_unet_output_blocks_0_1_proj_in")?.DiffusersName);
        Assert.Equal("text_encoder.text_model.encoder.layers.0.self_attn.q_proj",
            table.Find("lora_te1_text_model_encoder_layers_0_self_attn_q_proj")?.DiffusersName);
        Assert.Equal("text_encoder_2.text_model.encoder.layers.2.mlp.fc1", table.Find("lora_te2_text_model_encoder_layers_2_mlp_fc1")?.DiffusersName);
        Assert.Null(table.Find("lora_te_text_model_encoder_layers_0_self_attn_q_proj"));

        using var temp = new TempFolder();
        string path = temp["sdxl.safetensors"];
        var tensors = new Dictionary<string, Tensor>();
        foreach (var name in new[] { "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k", "lora_te2_text_model_encoder_layers_2_mlp_fc1",
                     "lora_te1_text_model_encoder_layers_0_self_attn_q_proj" })
        {
            var weight = table.Find(name)!.Weight;
            tensors[name + ".lora_down.weight"] = randn(2, weight.shape[1]);
            tensors[name + ".lora_up.weight"] = randn(weight.shape[0], 2);
            tensors[name + ".alpha"] = tensor(1.0f);
        }
        SafetensorsWriter.Write(path, tensors);
        using var lora = LoraFile.Load(path);
        var before = LoraParityTests.Snapshot(model.TextEncoder2!);
        model.Loras.Set([new LoraApplication(lora, 1.0)]);
        Assert.Contains(model.TextEncoder2!.named_parameters(), p => !TensorAssert.BitEqual(p.parameter, before[p.name]));
        model.Loras.Clear();
        LoraParityTests.AssertUnchanged(before, model.TextEncoder2!);
    }
}
