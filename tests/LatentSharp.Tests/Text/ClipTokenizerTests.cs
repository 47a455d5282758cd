using System.Text;
using System.Text.Json;
using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using LatentSharp.Text;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Text;

public class ClipTokenizerTests : IDisposable
{
    static readonly Lazy<ClipTokenizer> sd1 = new(() => ClipTokenizer.FromFolder(Path.Combine(Fixtures.TinySd1, "tokenizer")));
    static readonly Lazy<ClipTokenizer> sd2 = new(() => ClipTokenizer.FromFolder(Path.Combine(Fixtures.TinySd2, "tokenizer")));

    readonly string dir = Directory.CreateTempSubdirectory("ls-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static ClipTokenizer Tokenizer(string model) => model == "sd1" ? sd1.Value : sd2.Value;

    /// <summary>(model, case index, prompt shown in the test name) for every case of tokenizer.json.</summary>
    public static IEnumerable<object[]> Cases()
    {
        using var doc = Fixtures.TokenizerCases();
        foreach (string model in new[] { "sd1", "sd2" })
        {
            int i = 0;
            foreach (var c in doc.RootElement.GetProperty(model).GetProperty("cases").EnumerateArray())
            {
                string prompt = c.GetProperty("prompt").GetString()!;
                yield return [model, i++, prompt.Length > 40 ? prompt[..40] + "…" : prompt];
            }
        }
    }

    static JsonElement Case(string model, int index)
    {
        using var doc = Fixtures.TokenizerCases();
        return doc.RootElement.GetProperty(model).GetProperty("cases")[index].Clone();
    }

    /// <summary>The prompt rebuilt from its code points, so JSON string handling cannot hide a difference.</summary>
    static string Prompt(JsonElement c)
    {
        var sb = new StringBuilder();
        foreach (var cp in c.GetProperty("prompt_codepoints").EnumerateArray()) sb.Append(char.ConvertFromUtf32(cp.GetInt32()));
        return sb.ToString();
    }

    static int[] Ints(JsonElement c, string name) => c.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTransformers(string model, int index, string promptForDisplay)
    {
        _ = promptForDisplay;
        var c = Case(model, index);
        var tokenizer = Tokenizer(model);
        string prompt = Prompt(c);

        int[] ids = tokenizer.Encode(prompt);
        Assert.Equal(Ints(c, "ids"), ids);
        Assert.Equal(c.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()), ids.Select(tokenizer.IdToToken));

        var forModel = tokenizer.EncodeForModel(prompt, 77);
        Assert.Equal(Ints(c, "ids_77"), forModel.InputIds);
        Assert.Equal(Ints(c, "attention_mask_77"), forModel.AttentionMask);
        Assert.Equal(ids.Length > 77, forModel.WasTruncated);
    }

    [Fact]
    public void EveryFixturePromptIsCovered()
    {
        using var doc = Fixtures.TokenizerCases();
        Assert.Equal(35, doc.RootElement.GetProperty("sd1").GetProperty("cases").GetArrayLength());
        Assert.Equal(35, doc.RootElement.GetProperty("sd2").GetProperty("cases").GetArrayLength());
        Assert.Equal(70, Cases().Count());
    }

    [Fact]
    public void ReadsSpecialTokensAndSizesFromTheFolder()
    {
        Assert.Equal((49406, 49407, 49407, 77, 49408),
            (sd1.Value.BosTokenId, sd1.Value.EosTokenId, sd1.Value.PadTokenId, sd1.Value.ModelMaxLength, sd1.Value.VocabSize));
        Assert.Equal((49406, 49407, 0, 77, 49408),
            (sd2.Value.BosTokenId, sd2.Value.EosTokenId, sd2.Value.PadTokenId, sd2.Value.ModelMaxLength, sd2.Value.VocabSize));
        Assert.Equal(48894, sd1.Value.Merges.Count);
    }

    [Fact]
    public void TruncationReportsTheDroppedWords()
    {
        var c = Case("sd1", 34);
        var output = sd1.Value.EncodeForModel(Prompt(c));
        Assert.True(output.WasTruncated);
        Assert.Equal(100 - 77, output.TruncatedIds.Length);
        Assert.Equal(", 8 k, octane render, unreal engine, golden hour, rim light, high contrast, masterpiece, best quality",
            output.TruncatedText);
        Assert.Equal(49407, output.InputIds[76]);

        var oneTooMany = sd1.Value.EncodeForModel(string.Join(' ', Enumerable.Repeat("cat", 76)));
        Assert.Equal("cat", oneTooMany.TruncatedText);

        var fits = sd1.Value.EncodeForModel(string.Join(' ', Enumerable.Repeat("cat", 75)));
        Assert.False(fits.WasTruncated);
        Assert.Equal("", fits.TruncatedText);
        Assert.All(fits.AttentionMask, m => Assert.Equal(1, m));
    }

    [Fact]
    public void EncodesShorterModelLengths()
    {
        var output = sd1.Value.EncodeForModel("a photo of a cat", 5);
        Assert.Equal(new[] { 49406, 320, 1125, 539, 49407 }, output.InputIds);
        Assert.Equal("a cat", output.TruncatedText);
        Assert.Throws<ArgumentOutOfRangeException>(() => sd1.Value.EncodeForModel("a", 1));
    }

    [Fact]
    public void BatchGivesInt64RowsPaddedWithThePadId()
    {
        using var ids = sd2.Value.EncodeBatch(["a photo of a cat", ""]);
        Assert.Equal(new long[] { 2, 77 }, ids.shape);
        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.Equal(sd2.Value.EncodeForModel("a photo of a cat").InputIds.Select(i => (long)i), ids[0].data<long>().ToArray());
        Assert.Equal(new long[] { 49406, 49407, 0, 0 }, ids[1, ..4].data<long>().ToArray());
    }

    [Fact]
    public void DecodesToTheNormalisedText()
    {
        var tok = sd1.Value;
        Assert.Equal("hello, world! how's it going?", tok.Decode(tok.Encode("Hello, world! How's it going?")));
        Assert.Equal("café 日 本 🐱", tok.Decode(tok.Encode("Café 日本 🐱"))); // CJK ideographs are words of their own
        Assert.Equal("<|startoftext|>a cat <|endoftext|>", tok.Decode(tok.Encode("a cat"), skipSpecialTokens: false));
        // SD 2.x's pad token "!" is special, so it is skipped like BOS/EOS (transformers does the same).
        Assert.Equal("hello, world", sd2.Value.Decode(sd2.Value.Encode("Hello, world!")));
    }

    [Fact]
    public void CapitalSigmaEndingAWordBecomesFinalSigma()
    {
        // Python's str.lower(): "ΟΔΟΣ" → "οδος" with final ς; .NET's ToLowerInvariant gives σ.
        var tok = sd1.Value;
        Assert.Equal(tok.Encode("οδος σοφος"), tok.Encode("ΟΔΟΣ ΣΟΦΟΣ"));
        Assert.Equal("οδος σοφος", ClipTextNormalizer.Normalize("ΟΔΟΣ ΣΟΦΟΣ"));
        Assert.Equal("σ ας. ασα", ClipTextNormalizer.Normalize("Σ ΑΣ. ΑΣΑ"));
    }

    [Fact]
    public void FollowsTheCaseInsensitiveWordPattern()
    {
        // The reference matches CLIP's pattern with re.IGNORECASE: "'ſ" is the contraction "'s", and a
        // stray U+0345 matches no alternative, so it is skipped like a space.
        Assert.Equal(["it", "'ſ"], Words("it'ſ"));
        Assert.Equal([".", ","], Words(".\u0345,"));
        Assert.Equal(["<|endoftext|>", "x"], Words("<|ENDOFTEXT|>x"));
        Assert.Equal(49407, sd1.Value.Encode("<|ENDOFTEXT|>")[1]);
    }

    static string[] Words(string text)
    {
        var pieces = new List<TextPiece>();
        ClipPreTokenizer.AddWords(text, pieces);
        return pieces.Select(p => p.Text).ToArray();
    }

    [Fact]
    public void SaveThenLoadGivesTheSameEncodings()
    {
        using var doc = Fixtures.TokenizerCases();
        foreach (string model in new[] { "sd1", "sd2" })
        {
            var original = Tokenizer(model);
            string saved = Path.Combine(dir, model);
            original.Save(saved);
            var reloaded = ClipTokenizer.FromFolder(saved);

            Assert.Equal((original.BosTokenId, original.EosTokenId, original.PadTokenId, original.ModelMaxLength, original.VocabSize),
                (reloaded.BosTokenId, reloaded.EosTokenId, reloaded.PadTokenId, reloaded.ModelMaxLength, reloaded.VocabSize));
            Assert.Equal(original.Merges, reloaded.Merges);
            foreach (var c in doc.RootElement.GetProperty(model).GetProperty("cases").EnumerateArray())
                Assert.Equal(original.EncodeForModel(Prompt(c)).InputIds, reloaded.EncodeForModel(Prompt(c)).InputIds);
        }
    }

    [Fact]
    public void SavesInTheFormatTransformersWrites()
    {
        sd2.Value.Save(dir);
        string vocab = File.ReadAllText(Path.Combine(dir, "vocab.json"));
        // Keys in Python's code-point order: "!" < "!!" < "\"".
        Assert.StartsWith("{\n  \"!\": 0,\n  \"!!\": 1443,\n  \"!!!\": 11194,", vocab);
        Assert.Contains("\n  \"\\\"\": 1,\n", vocab);
        Assert.EndsWith("\n}\n", vocab);
        string[] merges = File.ReadAllLines(Path.Combine(dir, "merges.txt"));
        Assert.Equal(new[] { "#version: 0.2", "i n", "t h" }, merges[..3]);
        Assert.Equal(48895, merges.Length);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")));
        var root = config.RootElement;
        Assert.Equal("CLIPTokenizer", root.GetProperty("tokenizer_class").GetString());
        Assert.Equal("!", root.GetProperty("pad_token").GetString());
        Assert.Equal(77, root.GetProperty("model_max_length").GetInt32());
        Assert.Equal("!", root.GetProperty("added_tokens_decoder").GetProperty("0").GetProperty("content").GetString());
        Assert.False(root.GetProperty("added_tokens_decoder").GetProperty("0").GetProperty("normalized").GetBoolean());
        using var map = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "special_tokens_map.json")));
        Assert.Equal("<|startoftext|>", map.RootElement.GetProperty("bos_token").GetProperty("content").GetString());
    }

    [Fact]
    public void SpecialTokensMissingFromTheConfigStillGetTheirVocabularyIds()
    {
        // Older SD 2.x folders name the pad token only in special_tokens_map.json.
        string src = Path.Combine(Fixtures.TinySd2, "tokenizer");
        foreach (string f in new[] { "vocab.json", "merges.txt", "special_tokens_map.json" })
            File.Copy(Path.Combine(src, f), Path.Combine(dir, f));
        var tok = ClipTokenizer.FromFolder(dir);
        Assert.Equal(0, tok.PadTokenId);
        Assert.Equal(sd2.Value.Encode("Hello, world!!"), tok.Encode("Hello, world!!"));
    }

    [Fact]
    public void MissingOrBrokenFilesFailWithOneLine()
    {
        var missing = Assert.Throws<CheckpointException>(() => ClipTokenizer.FromFolder(Path.Combine(dir, "nope")));
        Assert.Contains("not found", missing.Message);
        File.WriteAllText(Path.Combine(dir, "vocab.json"), "[1, 2");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n");
        var broken = Assert.Throws<CheckpointException>(() => ClipTokenizer.FromFolder(dir));
        Assert.StartsWith(Path.Combine(dir, "vocab.json") + ": ", broken.Message);
        Assert.DoesNotContain('\n', broken.Message);
    }
}
