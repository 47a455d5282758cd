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

    public static void Write(StableDiffusionModel model, string folder, ScalarType? dtype)
    {
        string target = Path.GetFullPath(folder);
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
            throw new LatentSharpException($"{folder}: already exists and is not an empty folder");
        string staging = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteContents(model, staging, dtype);
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    static void WriteContents(StableDiffusionModel model, string root, ScalarType? dtype)
    {
        var stored = dtype ?? model.Unet.parameters().First().dtype;
        var configs = model.Configs;
        WriteNetwork(root, "text_encoder", "model", configs.TextEncoder with { TorchDtype = TorchDtypeName(stored) }, model.TextEncoder, dtype);
        WriteNetwork(root, "unet", "diffusion_pytorch_model", configs.Unet, model.Unet, dtype);
        WriteNetwork(root, "vae", "diffusion_pytorch_model", configs.Vae, model.Vae, dtype);
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

    static void WriteNetwork<TConfig>(string root, string component, string stem, TConfig config, nn.Module network, ScalarType? dtype)
    {
        string dir = Path.Combine(root, component);
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
