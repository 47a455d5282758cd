using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class GenerationParametersTests
{
    static readonly GenerationParameters Cat = new()
    {
        Prompt = "a photo of a cat", NegativePrompt = "blurry",
        Steps = 20, Sampler = "DPM++ 2M", CfgScale = 7.5, Seed = 42, Width = 512, Height = 512, Model = "sd15",
    };

    [Fact]
    public void FormatsLikeAutomatic1111()
    {
        Assert.Equal("a photo of a cat\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: sd15", Cat.Format());
        Assert.Equal("a cat\nSteps: 4, CFG scale: 7, Seed: 0", new GenerationParameters { Prompt = "a cat", Steps = 4, CfgScale = 7, Seed = 0 }.Format());
    }

    [Fact]
    public void QuotesValuesWithCommasColonsNewlinesAsJson()
    {
        var p = Cat with { Extra = [new("Lora hashes", "add_detail: 7c6bad76eb54, x: 1"), new("Note", "say \"hi\"\nback\\slash")] };
        Assert.EndsWith(", Model: sd15, Lora hashes: \"add_detail: 7c6bad76eb54, x: 1\", Note: \"say \\\"hi\\\"\\nback\\\\slash\"", p.Format());
    }

    [Fact]
    public void ParsesAnAutomatic1111Infotext()
    {
        const string text = """
            masterpiece, best quality, (girl:1.2), blue eyes,
            desert scene
            Negative prompt: lowres, bad anatomy
            Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 965400086, Size: 512x768, Model hash: 45dee52b, Model: anything-v4.5, Denoising strength: 0.55, Clip skip: 2, Hires upscaler: "Latent (nearest-exact)", Version: v1.9.4
            """;
        var p = GenerationParameters.Parse(text);
        Assert.Equal("masterpiece, best quality, (girl:1.2), blue eyes,\ndesert scene", p.Prompt);
        Assert.Equal("lowres, bad anatomy", p.NegativePrompt);
        Assert.Equal((28, "DPM++ 2M Karras", 7.0, 965400086L, 512, 768, "anything-v4.5", 0.55),
            (p.Steps, p.Sampler, p.CfgScale, p.Seed, p.Width, p.Height, p.Model, p.DenoisingStrength));
        Assert.Equal(
            [new("Model hash", "45dee52b"), new("Clip skip", "2"), new("Hires upscaler", "Latent (nearest-exact)"), new("Version", "v1.9.4")],
            p.Extra);
    }

    public static TheoryData<GenerationParameters> RoundTripCases => new()
    {
        Cat,
        Cat with { NegativePrompt = "" },
        Cat with { Prompt = "line one\nline two: with, punctuation", NegativePrompt = "neg one\nneg two" },
        Cat with { Prompt = "" },
        Cat with { Sampler = "Euler a", Model = "my model, v2: final", Seed = -1, CfgScale = 1.25 },
        Cat with { Extra = [new("A1", "x"), new("Odd", "\"starts with a quote"), new("Spaces", "  padded  "), new("Empty", ""), new("Unicode", "ünïcødé 猫")] },
        Cat with { Extra = [new("Steps", "not a number")] },
        new GenerationParameters { Prompt = "only extras", Extra = [new("K1", "1"), new("K2", "2"), new("K3", "a, b")] },
        Cat with { DenoisingStrength = 0.75, Extra = [new("Schedule type", "Karras"), new("Hires/Upscale", "2")] },
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void FormatThenParseGivesTheSameParameters(GenerationParameters p)
    {
        var parsed = GenerationParameters.Parse(p.Format());
        Assert.Equal(p, parsed);
        Assert.Equal(p.Format(), parsed.Format());
    }

    [Fact]
    public void TextWithoutAParameterLineIsAllPrompt()
    {
        var p = GenerationParameters.Parse("just a prompt: with a colon\nand: two, lines");
        Assert.Equal("just a prompt: with a colon\nand: two, lines", p.Prompt);
        Assert.Null(p.Steps);
        Assert.Empty(p.Extra);
    }

    [Fact]
    public void MalformedQuotedValuesAreKeptAsWritten()
    {
        var p = GenerationParameters.Parse("x\nSteps: 1, Sampler: Euler, Bad: \"\\q\"");
        Assert.Equal([new("Bad", "\"\\q\"")], p.Extra);
    }

    [Fact]
    public void KeysThatCannotBeReadBackAreRefused()
    {
        Assert.Throws<ArgumentException>(() => (Cat with { Extra = [new("bad:key", "v")] }).Format());
        Assert.Throws<ArgumentException>(() => (Cat with { Extra = [new("x", "single character keys do not parse")] }).Format());
    }
}
