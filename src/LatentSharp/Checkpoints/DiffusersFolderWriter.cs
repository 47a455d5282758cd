using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// Writes a <see cref="StableDiffusionModel"/> as a diffusers pipeline folder that diffusers and this library
/// both load. Everything is written into a temporary sibling folder that is renamed into place at the end.
/// </summary>
internal static class DiffusersFolderWriter
{
    static readonly IReadOnlyDictionary<string, string> SafetensorsMetadata = new Dictionary<string, string> { ["format"] = "pt" };

    public static void Write(StableDiffusionModel model, string folder, ScalarType? dtype) =>
        AtomicFolder.Write(folder, staging => WriteContents(model, staging, dtype));

    static void WriteContents(StableDiffusionModel model, string root, ScalarType? dtype)
    {
        var stored = dtype ?? model.Unet.parameters().First().dtype;
        var configs = model.Configs;
        WriteNetwork(Path.Combine(root, "text_encoder"), "model", configs.TextEncoder with { TorchDtype = TorchDtypeName(stored) }, model.TextEncoder, dtype);
        WriteNetwork(Path.Combine(root, "unet"), "diffusion_pytorch_model", configs.Unet, model.Unet, dtype);
        WriteNetwork(Path.Combine(root, "vae"), "diffusion_pytorch_model", configs.Vae, model.Vae, dtype);
        AtomicFile.WriteAllText(Path.Combine(root, DiffusersLayout.SchedulerConfig), configs.SchedulerConfigJson);

        bool hasTokenizer = model.TokenizerPath != null;
        if (model.TokenizerPath is { } tokenizer)
        {
            string destination = Path.Combine(root, DiffusersLayout.TokenizerFolder);
            Directory.CreateDirectory(destination);
            foreach (var name in DiffusersLayout.TokenizerFiles.Where(f => File.Exists(Path.Combine(tokenizer, f))))
                File.Copy(Path.Combine(tokenizer, name), Path.Combine(destination, name));
        }
        string schedulerClass = DiffusersLayout.SchedulerClass(configs.SchedulerConfigJson, model.Name);
        AtomicFile.WriteAllText(Path.Combine(root, DiffusersLayout.ModelIndex), DiffusersLayout.ModelIndexJson(schedulerClass, hasTokenizer));
    }

    /// <summary>One network's folder: its config.json and STEM.safetensors (in <paramref name="dtype"/>, if given).</summary>
    internal static void WriteNetwork<TConfig>(string dir, string stem, TConfig config, nn.Module network, ScalarType? dtype)
    {
        ConfigJson.Write(Path.Combine(dir, "config.json"), config);
        var tensors = network.named_parameters().Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter));
        SafetensorsWriter.Write(Path.Combine(dir, stem + ".safetensors"), tensors, SafetensorsMetadata, dtype);
    }

    static string TorchDtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float64 => "float64",
        _ => "float32",
    };
}
