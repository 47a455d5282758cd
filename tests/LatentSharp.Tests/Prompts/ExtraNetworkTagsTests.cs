using LatentSharp.Prompts;

namespace LatentSharp.Tests.Prompts;

/// <summary>&lt;lora:…&gt; tags: removed from the prompt, multipliers read as A1111 reads them.</summary>
public class ExtraNetworkTagsTests
{
    [Fact]
    public void TagsAreRemovedAndLorasRead()
    {
        var (prompt, tags) = ExtraNetworkTags.Extract("a pink circle <lora:pink:0.8>, blue background<lora:style> <hypernet:x:1>");
        Assert.Equal("a pink circle , blue background ", prompt);
        Assert.Equal(["lora", "lora", "hypernet"], tags.Select(t => t.Type));
        var loras = ExtraNetworkTags.Loras(tags);
        Assert.Equal([new LoraTag("pink", 0.8, 0.8), new LoraTag("style", 1.0, 1.0)], loras);
    }

    [Theory]
    [InlineData("<lora:a:0.5:0.25>", 0.5, 0.25)]
    [InlineData("<lora:a:te=0.3:unet=0.6>", 0.3, 0.6)]
    [InlineData("<lora:a:0.5:unet=0>", 0.5, 0.0)]
    [InlineData("<lora:a:-1>", -1.0, -1.0)]
    public void TextEncoderAndUnetMultipliers(string text, double te, double unet)
    {
        var lora = ExtraNetworkTags.Loras(ExtraNetworkTags.Extract(text).Tags).Single();
        Assert.Equal(("a", te, unet), (lora.Name, lora.TextEncoderScale, lora.UnetScale));
    }

    [Fact]
    public void ABadMultiplierIsAOneLineError()
    {
        var error = Assert.Throws<LatentSharpException>(() => ExtraNetworkTags.Loras(ExtraNetworkTags.Extract("<lora:pink:lots>").Tags));
        Assert.Equal("prompt: <lora:pink:…> has 'lots' where a multiplier belongs", error.Message);
    }

    [Fact]
    public void AnglesThatAreNotTagsStay()
    {
        Assert.Equal("a <cat-toy> and <my token>", ExtraNetworkTags.Extract("a <cat-toy> and <my token>").Prompt);
    }
}
