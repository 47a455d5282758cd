using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// Writes a model as an original single-file checkpoint (the layout AUTOMATIC1111, ComfyUI and the Stability code read)
/// by running the loader's one key table, <see cref="SingleFileKeyMap"/>, backwards: every parameter goes where the table
/// says the file stores it — q, k and v of an OpenCLIP block fused in order, SDXL's text_projection transposed, the
/// autoencoder's attention as 1×1 convolutions. SD 2.x is refused: its files keep OpenCLIP's last block, which a loaded
/// SD 2.x model no longer has.
/// </summary>
public static class SingleFileWriter
{
    /// <param name="dtype">Store floating-point weights in this dtype (Float16 for the usual half-size file); default: as in memory.</param>
    public static void Write(StableDiffusionModel model, string path, ScalarType? dtype = null)
    {
        var tensors = new Dictionary<string, SortedDictionary<int, Tensor>>(StringComparer.Ordinal);
        foreach (var (module, names) in Parts(model))
            foreach (var (name, parameter) in module.named_parameters())
            {
                var source = names.Locate(name) ?? throw new InvalidOperationException($"no single-file name for {name}");
                var value = parameter.detach();
                if (source.Transposed) value = value.t();
                // The LDM autoencoder's mid-block attention is made of 1×1 convolutions.
                if (names.FilePrefix == SingleFileKeyMap.VaePrefix && value.dim() == 2) value = value.unsqueeze(-1).unsqueeze(-1);
                if (!tensors.TryGetValue(source.Key, out var chunks)) tensors[source.Key] = chunks = [];
                chunks[source.Chunk] = value;
            }
        using var scope = NewDisposeScope();
        var stored = tensors.Select(t => KeyValuePair.Create(t.Key, t.Value.Count == 1 ? t.Value.Values.First() : cat(t.Value.Values.ToArray(), 0)));
        SafetensorsWriter.Write(path, stored, null, dtype);
    }

    static (nn.Module Module, SingleFileNames Names)[] Parts(StableDiffusionModel model)
    {
        var configs = model.Configs;
        (nn.Module, SingleFileNames)[] common = [(model.Unet, SingleFileKeyMap.UNet(configs.Unet)), (model.Vae, SingleFileKeyMap.Vae(configs.Vae))];
        return model.Kind switch
        {
            StableDiffusionKind.Sd1 => [(model.TextEncoder, SingleFileKeyMap.Clip(hasTextModelLevel: true)), .. common],
            StableDiffusionKind.Sdxl =>
            [
                (model.TextEncoder, SingleFileKeyMap.Clip(hasTextModelLevel: true, SingleFileKeyMap.SdxlClipPrefix)),
                (model.TextEncoder2!, SingleFileKeyMap.OpenClip(configs.TextEncoder2!, SingleFileKeyMap.SdxlOpenClipPrefix, withProjection: true)),
                .. common,
            ],
            _ => throw new LatentSharpException(
                $"{model.Name}: SD 2.x single files keep OpenCLIP's last block, which the loaded model no longer has; save it as a diffusers folder"),
        };
    }
}
