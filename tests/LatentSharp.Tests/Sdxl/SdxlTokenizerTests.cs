using System.Text;
using LatentSharp.Tests.Support;
using LatentSharp.Text;

namespace LatentSharp.Tests.Sdxl;

/// <summary>
/// SDXL's two tokenizers against transformers (cases/sdxl_tokenizers.json): tokenizer pads with &lt;|endoftext|&gt;,
/// tokenizer_2 with "!" (id 0, a special token, so every "!" of the text is id 0 too). A single file carries no
/// tokenizer: its tokenizer_2 is the first tokenizer's files padded with "!", which must give the same ids.
/// </summary>
public class SdxlTokenizerTests
{
    static readonly string First = Path.Combine(Fixtures.TinySdxl, "tokenizer");
    static readonly string Second = Path.Combine(Fixtures.TinySdxl, "tokenizer_2");

    public static TheoryData<string, string> Tokenizers => new()
    {
        { "tokenizer", First },
        { "tokenizer_2", Second },
        { "tokenizer_2", First + "|!" },   // derived: the first tokenizer's files, pad "!"
    };

    static ClipTokenizer Open(string spec) =>
        spec.EndsWith("|!", StringComparison.Ordinal) ? ClipTokenizer.FromFolder(spec[..^2]).WithPadToken("!") : ClipTokenizer.FromFolder(spec);

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void MatchesTransformers(string which, string folder)
    {
        var tokenizer = Open(folder);
        using var doc = Fixtures.SdxlTokenizerCases();
        var expected = doc.RootElement.GetProperty(which);
        Assert.Equal(expected.GetProperty("pad_token_id").GetInt32(), tokenizer.PadTokenId);
        Assert.Equal(expected.GetProperty("model_max_length").GetInt32(), tokenizer.ModelMaxLength);
        int checkedCases = 0;
        foreach (var c in expected.GetProperty("cases").EnumerateArray())
        {
            var prompt = new StringBuilder();
            foreach (var cp in c.GetProperty("prompt_codepoints").EnumerateArray()) prompt.Append(char.ConvertFromUtf32(cp.GetInt32()));
            int[] Ids(string name) => c.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(Ids("ids"), tokenizer.Encode(prompt.ToString()));
            Assert.Equal(Ids("ids_77"), tokenizer.EncodeForModel(prompt.ToString()).InputIds);
            checkedCases++;
        }
        Assert.Equal(9, checkedCases);
    }
}
