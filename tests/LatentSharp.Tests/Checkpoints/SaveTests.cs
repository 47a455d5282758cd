using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Checkpoints;

/// <summary>A folder we write loads back identically, in diffusers' layout.</summary>
public class SaveTests
{
    [Theory]
    [InlineData(TinyModels.Sd1)]
    [InlineData(TinyModels.Sd2)]
    [InlineData(TinyModels.Sd1Single)]
    public void SavedFolderLoadsBackIdentically(string modelName)
    {
        using var temp = new TempFolder();
        var original = TinyModels.Get(modelName);
        string folder = temp["saved"];

        original.Save(folder);
        using var loaded = StableDiffusionModel.Load(folder);

        Assert.Equal(ConfigJson.Serialize(original.Configs.Unet), ConfigJson.Serialize(loaded.Configs.Unet));
        Assert.Equal(ConfigJson.Serialize(original.Configs.Vae), ConfigJson.Serialize(loaded.Configs.Vae));
        Assert.Equal(original.Configs.TextEncoder.NumHiddenLayers, loaded.Configs.TextEncoder.NumHiddenLayers);
        Assert.Equal(original.SchedulerConfigJson, loaded.SchedulerConfigJson);
        Assert.Equal(original.Kind, loaded.Kind);
        Assert.True(TokenizerLocator.IsTokenizerFolder(loaded.TokenizerPath!));
        AssertSameParameters(original, loaded, tolerance: 0);
    }

    [Fact]
    public void HalfPrecisionSaveIsHalfTheSizeAndLoadsIntoFloat32()
    {
        using var temp = new TempFolder();
        var original = TinyModels.Get(TinyModels.Sd1);
        original.Save(temp["fp16"], ScalarType.Float16);
        using var loaded = StableDiffusionModel.Load(temp["fp16"]);

        using (var file = SafetensorsFile.Open(temp["fp16/unet/diffusion_pytorch_model.safetensors"]))
            Assert.All(file.Entries, e => Assert.Equal("F16", e.DType));
        Assert.Contains("\"torch_dtype\": \"float16\"", File.ReadAllText(temp["fp16/text_encoder/config.json"]));
        Assert.All(loaded.Unet.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        // The tiny weights are exactly representable in float16 (fixtures README).
        AssertSameParameters(original, loaded, tolerance: 0);
    }

    [Fact]
    public void ExistingNonEmptyFolderIsNotOverwritten()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp["keep.txt"], "mine");
        var e = Assert.Throws<LatentSharpException>(() => TinyModels.Get(TinyModels.Sd2).Save(temp.Path));
        Assert.Contains("not an empty folder", e.Message);
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void ModelIndexNamesTheComponents()
    {
        using var temp = new TempFolder();
        TinyModels.Get(TinyModels.Sd2).Save(temp["m"]);
        string index = File.ReadAllText(temp["m/model_index.json"]);
        Assert.Contains("\"DDIMScheduler\"", index);
        Assert.Contains("\"UNet2DConditionModel\"", index);
        Assert.Contains("\"CLIPTokenizer\"", index);
    }

    static void AssertSameParameters(StableDiffusionModel a, StableDiffusionModel b, double tolerance)
    {
        foreach (var (x, y) in new (nn.Module, nn.Module)[] { (a.TextEncoder, b.TextEncoder), (a.Unet, b.Unet), (a.Vae, b.Vae) })
        {
            var expected = x.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            var actual = y.named_parameters().ToList();
            Assert.Equal(expected.Count, actual.Count);
            foreach (var (name, parameter) in actual) TensorAssert.Close(expected[name], parameter, tolerance, name);
        }
    }
}
