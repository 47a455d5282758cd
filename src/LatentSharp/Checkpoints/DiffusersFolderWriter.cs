using LatentSharp.Text;
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
        if (model.TextEncoder2 is { } second)
            WriteNetwork(Path.Combine(root, DiffusersLayout.TextEncoder2.Folder), DiffusersLayout.TextEncoder2.WeightsStem,
                second.Config with { TorchDtype = TorchDtypeName(stored) }, second, dtype);
        WriteNetwork(Path.Combine(root, "unet"), "diffusion_pytorch_model", configs.Unet, model.Unet, dtype);
        WriteNetwork(Path.Combine(root, "vae"), "diffusion_pytorch_model", configs.Vae, model.Vae, dtype);
        AtomicFile.WriteAllText(Path.Combine(root, DiffusersLayout.SchedulerConfig), configs.SchedulerConfigJson);

        bool hasTokenizer = model.TokenizerPath != null;
        if (model.TokenizerPath is { } tokenizer) CopyTokenizer(tokenizer, Path.Combine(root, DiffusersLayout.TokenizerFolder));
        bool sdxl = model.TextEncoder2 != null;
        // SDXL's tokenizer_2: the model's own, else the first tokenizer padding with "!", which is what it is.
        if (sdxl && model.Tokenizer2Path is { } second2) CopyTokenizer(second2, Path.Combine(root, DiffusersLayout.Tokenizer2Folder));
        else if (sdxl && model.TokenizerPath is { } first) ClipTokenizer.FromFolder(first).WithPadToken("!").Save(Path.Combine(root, DiffusersLayout.Tokenizer2Folder));
        string schedulerClass = DiffusersLayout.SchedulerClass(configs.SchedulerConfigJson, model.Name);
        AtomicFile.WriteAllText(Path.Combine(root, DiffusersLayout.ModelIndex), DiffusersLayout.ModelIndexJson(schedulerClass, hasTokenizer,
            sdxl ? (hasTokenizer, configs.ForceZerosForEmptyPrompt) : null));
    }

    static void CopyTokenizer(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var name in DiffusersLayout.TokenizerFiles.Where(f => File.Exists(Path.Combine(source, f))))
            File.Copy(Path.Combine(source, name), Path.Combine(destination, name));
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
