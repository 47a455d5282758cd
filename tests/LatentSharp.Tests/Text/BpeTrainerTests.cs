using LatentSharp.Text;

namespace LatentSharp.Tests.Text;

public class BpeTrainerTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-bpe-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static readonly string[] Colors = ["red", "green", "blue", "yellow", "purple", "orange", "white", "black", "cyan", "magenta"];
    static readonly string[] Shapes = ["circle", "square", "triangle", "star", "hexagon", "ellipse", "cross", "diamond"];
    static readonly string[] Places = ["in the center", "at the top left", "at the bottom right", "near the edge", "on the left"];
    static readonly string[] Syllables = ["ka", "lo", "mi", "ren", "tu", "sha", "vor", "pel", "di", "qua", "nex", "bo", "ri", "zan", "fe", "gu"];

    /// <summary>Shapes-style captions, plus made-up names so there are enough distinct pairs for 1000 tokens.</summary>
    static List<string> Captions(int count, int seed = 1)
    {
        var random = new Random(seed);
        string Pick(string[] items) => items[random.Next(items.Length)];
        var captions = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string name = Pick(Syllables) + Pick(Syllables) + Pick(Syllables);
            captions.Add($"A {Pick(Colors)} {Pick(Shapes)} {Pick(Places)}, on a {Pick(Colors)} background. It is called {name}.");
        }
        return captions;
    }

    [Fact]
    public void SameCaptionsGiveIdenticalFiles()
    {
        var captions = Captions(1500);
        BpeTrainer.Train(captions, 1000).Save(Path.Combine(dir, "a"));
        BpeTrainer.Train(captions, 1000).Save(Path.Combine(dir, "b"));
        // Word counts do not depend on caption order, and ties are broken by symbol order, not hashing.
        BpeTrainer.Train(Enumerable.Reverse(captions), 1000).Save(Path.Combine(dir, "c"));
        foreach (string file in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
        {
            byte[] a = File.ReadAllBytes(Path.Combine(dir, "a", file));
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(dir, "b", file)));
            Assert.Equal(a, File.ReadAllBytes(Path.Combine(dir, "c", file)));
        }
    }

    [Fact]
    public void ReachesTheRequestedVocabularySizeWithClipLayout()
    {
        var tok = BpeTrainer.Train(Captions(1500), 1000);
        Assert.Equal(1000, tok.VocabSize);
        Assert.Equal(1000, tok.Vocabulary.Count);
        Assert.Equal((998, 999, 999), (tok.BosTokenId, tok.EosTokenId, tok.PadTokenId));
        Assert.Equal("<|startoftext|>", tok.IdToToken(998));
        Assert.Equal("<|endoftext|>", tok.IdToToken(999));
        for (int b = 0; b < 256; b++)
        {
            string symbol = ByteLevelAlphabet.CharOf((byte)b).ToString();
            Assert.True(tok.Vocabulary.ContainsKey(symbol), $"byte {b}");
            Assert.True(tok.Vocabulary.ContainsKey(symbol + "</w>"), $"byte {b} </w>");
        }
        Assert.Equal("!", tok.IdToToken(0));
        Assert.Equal("!</w>", tok.IdToToken(256));
    }

    [Fact]
    public void StopsEarlyWhenTheCaptionsHaveNoMorePairsToMerge()
    {
        var tok = BpeTrainer.Train(["a red circle", "a red circle", "a blue square"], 1000);
        Assert.True(tok.VocabSize < 1000);
        Assert.Equal(BpeTrainer.BaseVocabSize + tok.Merges.Count, tok.VocabSize);
        Assert.Equal(3, tok.Encode("red circle").Length - 1); // BOS red circle EOS
    }

    [Fact]
    public void FrequentWordsBecomeSingleTokens()
    {
        var tok = BpeTrainer.Train(Captions(1500), 1000);
        foreach (string word in Colors.Concat(Shapes).Append("background"))
        {
            int[] ids = tok.Encode(word);
            Assert.Equal(3, ids.Length);
            Assert.Equal(word + "</w>", tok.IdToToken(ids[1]));
        }
    }

    [Fact]
    public void TrainingCaptionsRoundTrip()
    {
        var captions = Captions(300);
        var tok = BpeTrainer.Train(captions, 1000);
        foreach (string caption in captions)
            Assert.Equal(caption.ToLowerInvariant(), tok.Decode(tok.Encode(caption)));
    }

    [Fact]
    public void UnseenWordsFallBackToSmallerPieces()
    {
        var tok = BpeTrainer.Train(Captions(1500), 1000);
        const string text = "A zebra-quokka 🦘 in Ελλάδα, 42!";
        int[] ids = tok.Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, tok.VocabSize - 1));
        Assert.DoesNotContain(tok.UnkTokenId, ids[1..^1]);
        Assert.Equal("a zebra - quokka 🦘 in ελλάδα, 4 2!", tok.Decode(ids));
    }

    [Fact]
    public void SavedFolderLoadsAsAClipTokenizer()
    {
        var captions = Captions(500);
        var trained = BpeTrainer.Train(captions, 800, modelMaxLength: 32);
        trained.Save(dir);
        var loaded = ClipTokenizer.FromFolder(dir);
        Assert.Equal((trained.VocabSize, trained.BosTokenId, trained.EosTokenId, trained.PadTokenId, 32),
            (loaded.VocabSize, loaded.BosTokenId, loaded.EosTokenId, loaded.PadTokenId, loaded.ModelMaxLength));
        foreach (string caption in captions.Take(50).Append("unseen wörds <|endoftext|> too"))
            Assert.Equal(trained.EncodeForModel(caption).InputIds, loaded.EncodeForModel(caption).InputIds);
        Assert.Equal(32, loaded.EncodeForModel(captions[0]).InputIds.Length);
    }

    [Fact]
    public void RejectsAVocabularySmallerThanTheByteAlphabet()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["a"], 513));
    }
}
