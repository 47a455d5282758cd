using LatentSharp.Checkpoints;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Support;

/// <summary>
/// Writes an SDXL model in the original (sgm) single-file layout by running the loader's key table backwards: every
/// parameter goes where <see cref="SingleFileKeyMap"/> says the file stores it (q/k/v fused in order, text_projection
/// transposed). The table itself is checked against diffusers' converter by the tiny-sdxl single-file parity tests;
/// this lets a test make SDXL files of any shape, e.g. to check that configs are inferred from the weight shapes.
/// </summary>
public static class SdxlSingleFile
{
    public static void Write(StableDiffusionModel model, string path)
    {
        var configs = model.Configs;
        var parts = new (TorchSharp.torch.nn.Module Module, SingleFileNames Names)[]
        {
            (model.TextEncoder, SingleFileKeyMap.Clip(true, SingleFileKeyMap.SdxlClipPrefix)),
            (model.TextEncoder2!, SingleFileKeyMap.OpenClip(configs.TextEncoder2!, SingleFileKeyMap.SdxlOpenClipPrefix, withProjection: true)),
            (model.Unet, SingleFileKeyMap.UNet(configs.Unet)),
            (model.Vae, SingleFileKeyMap.Vae(configs.Vae)),
        };
        var pieces = new Dictionary<string, SortedDictionary<int, Tensor>>();
        foreach (var (module, names) in parts)
            foreach (var (name, parameter) in module.named_parameters())
            {
                var source = names.Locate(name) ?? throw new InvalidOperationException($"no single-file name for {name}");
                var value = source.Transposed ? parameter.detach().t().contiguous() : parameter.detach();
                if (!pieces.TryGetValue(source.Key, out var chunks)) pieces[source.Key] = chunks = new();
                chunks[source.Chunk] = value;
            }
        var tensors = pieces.ToDictionary(p => p.Key, p => p.Value.Count == 1 ? p.Value.Values.First() : cat(p.Value.Values.ToArray(), 0));
        SafetensorsWriter.Write(path, tensors);
    }
}
