using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// The diffusers pipeline folder: model_index.json, one subfolder per component with its config and
/// safetensors weights (optionally the ".fp16" variant), the tokenizer files and the scheduler config.
/// </summary>
public static class DiffusersLayout
{
    public const string ModelIndex = "model_index.json";
    public const string SchedulerConfig = "scheduler/scheduler_config.json";
    public const string TokenizerFolder = "tokenizer";

    /// <summary>The network components: folder, diffusers/transformers class, library, weights file stem.</summary>
    public static readonly (string Folder, string ClassName, string Library, string WeightsStem)[] Networks =
    [
        ("text_encoder", "CLIPTextModel", "transformers", "model"),
        ("unet", "UNet2DConditionModel", "diffusers", "diffusion_pytorch_model"),
        ("vae", "AutoencoderKL", "diffusers", "diffusion_pytorch_model"),
    ];

    /// <summary>Files of a CLIP tokenizer folder copied when a model is saved.</summary>
    public static readonly string[] TokenizerFiles = ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    public static bool IsPipelineFolder(string folder) => File.Exists(Path.Combine(folder, ModelIndex));

    /// <summary>Checks model_index.json names the component classes this library implements.</summary>
    public static void CheckModelIndex(string folder)
    {
        string path = Path.Combine(folder, ModelIndex);
        JsonNode? index;
        try { index = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new CheckpointException(path, $"not valid JSON ({e.Message.Split('\n')[0]})"); }
        foreach (var (component, className, _, _) in Networks)
        {
            string? declared = AsString((index as JsonObject)?[component] is JsonArray entry ? entry.ElementAtOrDefault(1) : null);
            if (declared != className)
                throw new CheckpointException(path, $"{component} is {declared ?? "missing"}; LatentSharp supports {className}");
        }
    }

    /// <summary>
    /// The weights file of a component: the ".fp16" variant when half precision is wanted and present, else the
    /// full file, else the variant. Pickled .bin weights are refused with how to convert them.
    /// </summary>
    public static string WeightsFile(string folder, string component, string stem, ScalarType wanted)
    {
        string dir = Path.Combine(folder, component);
        string full = Path.Combine(dir, stem + ".safetensors"), half = Path.Combine(dir, stem + ".fp16.safetensors");
        bool preferHalf = wanted is ScalarType.Float16 or ScalarType.BFloat16;
        foreach (var candidate in preferHalf ? new[] { half, full } : [full, half])
            if (File.Exists(candidate)) return candidate;
        foreach (var pickled in new[] { stem + ".bin", stem + ".fp16.bin" }.Select(f => Path.Combine(dir, f)))
            if (File.Exists(pickled)) throw PickleCheckpoint.RefuseFolder(folder, pickled);
        if (File.Exists(full + ".index.json"))
            throw new CheckpointException(full + ".index.json", "sharded weights are not supported; save the component as one safetensors file");
        throw new CheckpointException(dir, $"no {stem}.safetensors");
    }

    /// <summary>model_index.json for a Stable Diffusion pipeline with these components.</summary>
    public static string ModelIndexJson(string schedulerClass, bool hasTokenizer)
    {
        static JsonArray Entry(string? library, string? className) => [library, className];
        var index = new JsonObject
        {
            ["_class_name"] = "StableDiffusionPipeline",
            ["_diffusers_version"] = "0.27.2",
            ["feature_extractor"] = Entry(null, null),
            ["image_encoder"] = Entry(null, null),
            ["requires_safety_checker"] = false,
            ["safety_checker"] = Entry(null, null),
            ["scheduler"] = Entry("diffusers", schedulerClass),
            ["tokenizer"] = hasTokenizer ? Entry("transformers", "CLIPTokenizer") : Entry(null, null),
        };
        foreach (var (component, className, library, _) in Networks) index[component] = Entry(library, className);
        return index.ToJsonString(ConfigJson.Options) + "\n";
    }

    /// <summary>The scheduler class named by a scheduler config ("_class_name").</summary>
    public static string SchedulerClass(string schedulerConfigJson, string source) =>
        StringField(schedulerConfigJson, "_class_name", source) ?? throw new CheckpointException(source, "scheduler config has no _class_name");

    /// <summary>A string field of a JSON object (a scheduler config, say); null when absent or not a string.</summary>
    public static string? StringField(string json, string field, string source)
    {
        try
        {
            return AsString((JsonNode.Parse(json) as JsonObject)?[field]);
        }
        catch (JsonException e) { throw new CheckpointException(source, $"not valid JSON ({e.Message.Split('\n')[0]})"); }
    }

    static string? AsString(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
}
