using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Adapters;

/// <summary>Reading LoRA files: both fixture layouts, the A1111 name and hash, and one-line refusals of bad files.</summary>
public class LoraFileTests
{
    [Fact]
    public void ReadsKohyaAndPeftLayouts()
    {
        using var kohya = LoraFile.Load(Fixtures.Adapter("tiny-sd1-lora-kohya.safetensors"));
        using var peft = LoraFile.Load(Fixtures.Adapter("tiny-sd1-lora-peft.safetensors"));
        Assert.Equal(88, kohya.Layers.Count);
        Assert.Equal(88, peft.Layers.Count);
        Assert.All(kohya.Layers, l => Assert.Equal(2.0, l.Alpha));
        Assert.All(peft.Layers, l => Assert.Null(l.Alpha));
        Assert.All(kohya.Layers, l => Assert.Equal(4, l.Rank));
        var conv = kohya.Layers.Single(l => l.Name == "lora_unet_down_blocks_0_resnets_0_conv1");
        Assert.Equal(new long[] { 4, 32, 3, 3 }, conv.Down.shape);
        Assert.Equal("tiny-sd1-lora-kohya", kohya.Name);
        Assert.Equal("tiny-sd1", kohya.Alias);
        Assert.Contains(peft.Layers, l => l.Name == "unet.mid_block.attentions.0.proj_in");
    }

    [Fact]
    public void HashIsSha256OfTheDataAfterTheHeader()
    {
        string path = Fixtures.Adapter("tiny-sd1-lora-kohya.safetensors");
        using var lora = LoraFile.Load(path);
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan((int)(8 + headerLength))));
        Assert.Equal(expected, lora.Hash);
        Assert.Equal(expected[..12], lora.ShortHash);
    }

    [Fact]
    public void OlderDiffusersLayoutsAreRead()
    {
        using var temp = new TempFolder();
        string path = temp["old.safetensors"];
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.down.weight"] = zeros(2, 32),
            ["down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.up.weight"] = zeros(32, 2),
            ["text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.down.weight"] = zeros(2, 32),
            ["text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_linear_layer.up.weight"] = zeros(32, 2),
            ["unet.mid_block.attentions.0.proj_in.lora.down.weight"] = zeros(2, 64, 1, 1),
            ["unet.mid_block.attentions.0.proj_in.lora.up.weight"] = zeros(64, 2, 1, 1),
        });
        using var lora = LoraFile.Load(path);
        using var model = TinyModels.Load(TinyModels.Sd1);
        var targets = model.Loras.Resolve(lora).Select(r => r.Target.DiffusersName).Order().ToList();
        Assert.Equal(["text_encoder.text_model.encoder.layers.0.self_attn.q_proj", "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0",
            "unet.mid_block.attentions.0.proj_in"], targets);
    }

    public static TheoryData<string, Dictionary<string, Tensor>, string> BadFiles => new()
    {
        { "unknown tensors", new() { ["lora_unet_x.lora_down.weight"] = zeros(2, 4), ["lora_unet_x.lora_up.weight"] = zeros(4, 2), ["model.diffusion_model.x"] = zeros(1) }, "1 tensor of no LoRA layout (model.diffusion_model.x)" },
        { "LoHa", new() { ["lora_unet_x.hada_w1_a"] = zeros(2, 4), ["lora_unet_x.hada_w1_b"] = zeros(4, 2) }, "is a LoHa (LyCORIS) adapter, not a LoRA" },
        { "half a layer", new() { ["lora_unet_x.lora_down.weight"] = zeros(2, 4), ["lora_unet_x.alpha"] = tensor(1.0f) }, "1 layer without both down and up matrices (lora_unet_x)" },
        { "rank mismatch", new() { ["lora_unet_x.lora_down.weight"] = zeros(2, 4), ["lora_unet_x.lora_up.weight"] = zeros(4, 3) }, "layer lora_unet_x: down [2, 4] and up [4, 3] are not the matrices of one LoRA layer" },
        { "NaN", new() { ["lora_unet_x.lora_down.weight"] = full(2, 4, float.NaN), ["lora_unet_x.lora_up.weight"] = zeros(4, 2) }, "lora_unet_x.lora_down.weight contains NaN or infinite values" },
        { "integer matrix", new() { ["lora_unet_x.lora_down.weight"] = zeros(2, 4, dtype: ScalarType.Int32), ["lora_unet_x.lora_up.weight"] = zeros(4, 2) }, "lora_unet_x.lora_down.weight is I32, not a floating-point tensor" },
        { "alpha vector", new() { ["lora_unet_x.lora_down.weight"] = zeros(2, 4), ["lora_unet_x.lora_up.weight"] = zeros(4, 2), ["lora_unet_x.alpha"] = zeros(2) }, "lora_unet_x.alpha must be one number" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFilesAreRefusedInOneLine(string what, Dictionary<string, Tensor> tensors, string expected)
    {
        using var temp = new TempFolder();
        string path = temp["bad.safetensors"];
        SafetensorsWriter.Write(path, tensors);
        var error = Assert.Throws<CheckpointException>(() => LoraFile.Load(path));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(error.Message.StartsWith(path), what);
    }

    [Theory]
    [InlineData("style.pt")]
    [InlineData("style.ckpt")]
    [InlineData("style.bin")]
    public void PickledFilesAreRefusedUnopenedWithTheConversion(string name)
    {
        using var temp = new TempFolder();
        string path = temp[name];
        File.WriteAllBytes(path, [0x80, 0x02, 0x7d, 0x71]);
        var error = Assert.Throws<CheckpointException>(() => LoraFile.Load(path));
        Assert.Contains("pickle", error.Message);
        Assert.Contains($"torch.load('{name}'", error.Message);
        Assert.Contains($"'{Path.GetFileNameWithoutExtension(name)}.safetensors'", error.Message);
    }

    [Fact]
    public void MissingFileIsOneLine()
    {
        var error = Assert.Throws<CheckpointException>(() => LoraFile.Load("/no/such/lora.safetensors"));
        Assert.Equal("/no/such/lora.safetensors: file not found", error.Message);
    }
}
