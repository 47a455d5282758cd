using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Checkpoints;

/// <summary>
/// An SD 2.x-shaped single file (OpenCLIP text tower with fused q/k/v and one block more than used, U-Net
/// with linear projections and 64-wide heads, VAE attention as 1×1 convolutions) loads with its configs
/// inferred and every weight in place.
/// </summary>
public class Sd2SingleFileTests
{
    static StableDiffusionConfigSet SmallSd2()
    {
        var sd21 = StableDiffusionConfigs.Sd21;
        return sd21 with
        {
            TextEncoder = sd21.TextEncoder with { HiddenSize = 64, IntermediateSize = 128, NumAttentionHeads = 1, NumHiddenLayers = 2, ProjectionDim = 32 },
            Unet = sd21.Unet with
            {
                BlockOutChannels = [64, 128], LayersPerBlock = 1, AttentionHeadDim = new[] { 1, 2 }, CrossAttentionDim = 64,
                DownBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"], UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"],
            },
            Vae = sd21.Vae with
            {
                BlockOutChannels = [32, 64], LayersPerBlock = 1,
                DownBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D"], UpBlockTypes = ["UpDecoderBlock2D", "UpDecoderBlock2D"],
            },
        };
    }

    /// <summary>The model's weights under the original names, as Stability's SD 2.x files store them.</summary>
    static Dictionary<string, Tensor> OriginalNames(StableDiffusionModel model)
    {
        var tensors = new Dictionary<string, Tensor>();
        var fused = new Dictionary<string, SortedDictionary<int, Tensor>>();
        var components = new (nn.Module Module, SingleFileNames Names)[]
        {
            (model.TextEncoder, SingleFileKeyMap.OpenClip(model.Configs.TextEncoder)),
            (model.Unet, SingleFileKeyMap.UNet(model.Configs.Unet)),
            (model.Vae, SingleFileKeyMap.Vae(model.Configs.Vae)),
        };
        foreach (var (module, names) in components)
            foreach (var (name, parameter) in module.named_parameters())
            {
                var source = names.Locate(name)!;
                if (source.Chunks > 1) (fused.TryGetValue(source.Key, out var parts) ? parts : fused[source.Key] = new())[source.Chunk] = parameter;
                else tensors[source.Key] = source.Key.Contains(".mid.attn_1.") && parameter.dim() == 2 ? parameter.view(parameter.shape[0], parameter.shape[1], 1, 1) : parameter;
            }
        foreach (var (key, parts) in fused) tensors[key] = cat(parts.Values.ToArray(), 0);

        // The last OpenCLIP block (SD 2.x conditions on the penultimate one), the projection and logit scale: stored, unused.
        const string p = SingleFileKeyMap.OpenClipPrefix;
        foreach (var key in tensors.Keys.Where(k => k.StartsWith(p + "transformer.resblocks.1.", StringComparison.Ordinal)).ToList())
            tensors[key.Replace("resblocks.1.", "resblocks.2.")] = randn_like(tensors[key]);
        tensors[p + "text_projection"] = randn(64, 32);
        tensors[p + "logit_scale"] = tensor(4.6f);
        return tensors;
    }

    [Fact]
    public void LoadsWithInferredConfigsAndEveryWeightInPlace()
    {
        using var temp = new TempFolder();
        using var scope = NewDisposeScope();
        using var original = StableDiffusionModel.Create(SmallSd2(), "small-sd2");
        string path = temp["small-sd2.safetensors"];
        SafetensorsWriter.Write(path, OriginalNames(original), dtype: ScalarType.Float16);

        using var loaded = StableDiffusionModel.Load(path, tokenizerPath: Path.Combine(Fixtures.TinySd2, "tokenizer"));

        Assert.Equal(StableDiffusionKind.Sd2, loaded.Kind);
        Assert.Equal(ConfigJson.Serialize(original.Configs.Unet), ConfigJson.Serialize(loaded.Configs.Unet));
        Assert.Equal(ConfigJson.Serialize(original.Configs.TextEncoder), ConfigJson.Serialize(loaded.Configs.TextEncoder));
        Assert.Equal(ConfigJson.Serialize(original.Configs.Vae), ConfigJson.Serialize(loaded.Configs.Vae));
        Assert.Contains("v_prediction", loaded.SchedulerConfigJson);
        foreach (var (a, b) in new (nn.Module, nn.Module)[] { (original.TextEncoder, loaded.TextEncoder), (original.Unet, loaded.Unet), (original.Vae, loaded.Vae) })
        {
            var expected = a.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            foreach (var (name, parameter) in b.named_parameters())
                TensorAssert.Close(expected[name].to_type(ScalarType.Float16), parameter, 0, name);
        }
    }
}
