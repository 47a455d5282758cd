using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using LatentSharp.Text;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Checkpoints;

/// <summary>The original single-file checkpoint: configs inferred from shapes, weights renamed through the key map.</summary>
public class SingleFileTests
{
    [Fact]
    public void TinySd1ConfigsAreInferredFromTheWeightShapes()
    {
        using var checkpoint = StableDiffusionCheckpoint.Open(Fixtures.TinySd1Single);
        var folderUNet = ConfigJson.Read<UNet2DConditionConfig>(Path.Combine(Fixtures.TinySd1, "unet/config.json"));
        var folderVae = ConfigJson.Read<AutoencoderKLConfig>(Path.Combine(Fixtures.TinySd1, "vae/config.json"));
        var folderText = ConfigJson.Read<ClipTextConfig>(Path.Combine(Fixtures.TinySd1, "text_encoder/config.json"));
        var (text, unet, vae) = (checkpoint.Configs.TextEncoder, checkpoint.Configs.Unet, checkpoint.Configs.Vae);

        Assert.True(checkpoint.IsSingleFile);
        Assert.Equal(StableDiffusionKind.Sd1, checkpoint.Kind);
        // Sample sizes cannot be read from weights: single files get SD 1.5's.
        Assert.Equal(Architecture(folderUNet with { SampleSize = 64 }), Architecture(unet));
        Assert.Equal(folderVae.BlockOutChannels, vae.BlockOutChannels);
        Assert.Equal((folderVae.LayersPerBlock, folderVae.LatentChannels, folderVae.InChannels, folderVae.OutChannels, folderVae.ScalingFactor),
            (vae.LayersPerBlock, vae.LatentChannels, vae.InChannels, vae.OutChannels, vae.ScalingFactor));
        Assert.Equal(folderText with { TorchDtype = null, TransformersVersion = null, Extra = null },
            text with { TorchDtype = null, TransformersVersion = null, Extra = null, Architectures = folderText.Architectures });
    }

    /// <summary>The config fields that decide the network, as one comparable string.</summary>
    static string Architecture(UNet2DConditionConfig c) => string.Join(" | ",
        c.InChannels, c.OutChannels, string.Join(",", c.BlockOutChannels), c.LayersPerBlock, string.Join(",", c.DownBlockTypes),
        string.Join(",", c.UpBlockTypes), c.CrossAttentionDim, c.TransformerLayersPerBlock, string.Join(",", c.HeadsPerBlock()),
        c.UseLinearProjection, c.UpcastAttention, c.TimeEmbedDim, c.NormNumGroups, c.NormEps, c.SampleSize);

    [Fact]
    public void SingleFileWeightsEqualTheFolderWeights()
    {
        var folder = TinyModels.Get(TinyModels.Sd1);
        var single = TinyModels.Get(TinyModels.Sd1Single);
        foreach (var (a, b) in new (TorchSharp.torch.nn.Module, TorchSharp.torch.nn.Module)[] { (folder.TextEncoder, single.TextEncoder), (folder.Unet, single.Unet), (folder.Vae, single.Vae) })
        {
            var expected = a.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var actual = b.named_parameters().ToList();
            Assert.Equal(expected.Count, actual.Count);
            foreach (var (name, parameter) in actual) TensorAssert.Close(expected[name], parameter, 0, name);
        }
    }

    [Fact]
    public void SingleFileHasNoTokenizerUnlessGivenOrCached()
    {
        using var temp = new TempFolder();
        Assert.Null(TokenizerLocator.Find(StableDiffusionKind.Sd1, hubCache: temp.Path));

        string snapshot = temp["models--openai--clip-vit-large-patch14/snapshots/abc123"];
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(snapshot, "vocab.json"), "{}");
        File.WriteAllText(Path.Combine(snapshot, "merges.txt"), "");
        Assert.Equal(snapshot, TokenizerLocator.Find(StableDiffusionKind.Sd1, hubCache: temp.Path));
        Assert.Null(TokenizerLocator.Find(StableDiffusionKind.Sd2, hubCache: temp.Path));
    }

    [Fact]
    public void MissingTokenizerErrorSaysWhatToDo()
    {
        using var model = TinyModels.Load(TinyModels.Sd1Single);
        var withoutTokenizer = new StableDiffusionModel(model.Configs, model.TextEncoder, model.Unet, model.Vae, "tiny");
        var e = Assert.Throws<LatentSharpException>(() => withoutTokenizer.RequireTokenizerPath());
        Assert.Contains("openai/clip-vit-large-patch14", e.Message);
    }

    [Fact]
    public void OpenClipFusedProjectionIsSplitIntoQueryKeyValue()
    {
        var config = StableDiffusionConfigs.Sd21.TextEncoder with { NumHiddenLayers = 2 };
        var names = SingleFileKeyMap.OpenClip(config);
        Assert.Equal(new WeightSource("cond_stage_model.model.transformer.resblocks.1.attn.in_proj_weight", 2, 3),
            names.Locate("text_model.encoder.layers.1.self_attn.v_proj.weight"));
        Assert.Equal(new WeightSource("cond_stage_model.model.transformer.resblocks.0.attn.in_proj_bias", 0, 3),
            names.Locate("text_model.encoder.layers.0.self_attn.q_proj.bias"));
        Assert.Equal(new WeightSource("cond_stage_model.model.positional_embedding"),
            names.Locate("text_model.embeddings.position_embedding.weight"));
        Assert.Equal(new WeightSource("cond_stage_model.model.transformer.resblocks.0.mlp.c_fc.weight"),
            names.Locate("text_model.encoder.layers.0.mlp.fc1.weight"));
    }
}
