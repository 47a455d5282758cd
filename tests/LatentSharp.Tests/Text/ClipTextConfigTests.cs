using LatentSharp.Tests.Support;
using LatentSharp.Text;

namespace LatentSharp.Tests.Text;

public class ClipTextConfigTests
{
    [Fact]
    public void ReadsTransformersConfig()
    {
        var config = ConfigJson.Read<ClipTextConfig>(Path.Combine(Fixtures.TinySd2, "text_encoder/config.json"));
        Assert.Equal((16, 64, 2, 4, "gelu", 2), (config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers, config.NumAttentionHeads, config.HiddenAct, config.EosTokenId));
        Assert.Contains("\"initializer_range\": 0.02", ConfigJson.Serialize(config));
    }

    [Fact]
    public void UnsupportedActivationIsRejected()
    {
        var e = Assert.Throws<LatentSharpException>(() => new ClipTextModel(new ClipTextConfig { HiddenAct = "relu" }, TorchSharp.torch.META));
        Assert.Contains("hidden_act 'relu'", e.Message);
    }

    [Fact]
    public void ClipSkipBeyondTheLayersIsRejected()
    {
        var model = TinyModels.Get(TinyModels.Sd1).TextEncoder;
        using var ids = TorchSharp.torch.zeros(1, 77, TorchSharp.torch.ScalarType.Int64);
        Assert.Throws<LatentSharpException>(() => model.PromptEmbeddings(ids, clipSkip: 2));
    }
}
