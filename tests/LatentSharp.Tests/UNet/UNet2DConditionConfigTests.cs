using LatentSharp.Tests.Support;
using LatentSharp.UNet;

namespace LatentSharp.Tests.UNet;

/// <summary>The U-Net config reads and writes diffusers' config.json and resolves per-block values as diffusers does.</summary>
public class UNet2DConditionConfigTests
{
    static UNet2DConditionConfig TinySd2 => ConfigJson.Read<UNet2DConditionConfig>(Path.Combine(Fixtures.TinySd2, "unet/config.json"));

    [Fact]
    public void AttentionHeadDimListIsTheNumberOfHeadsPerBlock()
    {
        Assert.Equal([2, 4], TinySd2.HeadsPerBlock());
        Assert.Equal([8, 8], ConfigJson.Read<UNet2DConditionConfig>(Path.Combine(Fixtures.TinySd1, "unet/config.json")).HeadsPerBlock());
        Assert.Equal([5, 5], (TinySd2 with { NumAttentionHeads = 5 }).HeadsPerBlock());
    }

    [Fact]
    public void WritingKeepsEveryFieldOfTheOriginal()
    {
        var original = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.TinySd2, "unet/config.json")))!.AsObject();
        var written = System.Text.Json.Nodes.JsonNode.Parse(ConfigJson.Serialize(TinySd2))!.AsObject();
        foreach (var (name, value) in original)
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(value, written[name]), $"{name}: {value?.ToJsonString()} became {written[name]?.ToJsonString()}");
    }

    [Fact]
    public void UnsupportedFeatureIsNamed()
    {
        var e = Assert.Throws<LatentSharpException>(() => (TinySd2 with { AdditionEmbedType = "text_image" }).Validate());
        Assert.Contains("addition_embed_type 'text_image'", e.Message);
    }

    [Fact]
    public void PerBlockListOfTheWrongLengthIsRejected()
    {
        var e = Assert.Throws<LatentSharpException>(() => (TinySd2 with { AttentionHeadDim = new[] { 2, 4, 8 } }).Validate());
        Assert.Contains("attention_head_dim has 3 entries for 2 blocks", e.Message);
    }

    [Fact]
    public void MalformedConfigIsOneLineNamingTheFile()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp["config.json"], "{\"block_out_channels\": \"wide\"}");
        var e = Assert.Throws<LatentSharp.Checkpoints.CheckpointException>(() => ConfigJson.Read<UNet2DConditionConfig>(temp["config.json"]));
        Assert.StartsWith(temp["config.json"] + ": invalid config at block_out_channels", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
