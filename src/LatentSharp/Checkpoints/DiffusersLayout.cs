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
    public const string Tokenizer2Folder = "tokenizer_2";

    /// <summary>The network components: folder, diffusers/transformers class, library, weights file stem.</summary>
    public static readonly (string Folder, string ClassName, string Library, string WeightsStem)[] Networks =
    [
        ("text_encoder", "CLIPTextModel", "transformers", "model"),
        ("unet", "UNet2DConditionModel", "diffusers", "diffusion_pytorch_model"),
        ("vae", "AutoencoderKL", "diffusers", "diffusion_pytorch_model"),
    ];

    /// <summary>SDXL's second text encoder, beside <see cref="Networks"/>.</summary>
    public static readonly (string Folder, string ClassName, string Library, string WeightsStem) TextEncoder2 =
        ("text_encoder_2", "CLIPTextModelWithProjection", "transformers", "model");

    /// <summary>Files of a CLIP tokenizer folder copied when a model is saved.</summary>
    public static readonly string[] TokenizerFiles = ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    public static bool IsPipelineFolder(string folder) => File.Exists(Path.Combine(folder, ModelIndex));

    /// <summary>
    /// Reads model_index.json and checks it names the component classes this library implements (text_encoder_2,
    /// when declared, must be SDXL's CLIPTextModelWithProjection). SDXL refiners (no text_encoder) are refused.
    /// </summary>
    public static JsonObject CheckModelIndex(string folder)
    {
        string path = Path.Combine(folder, ModelIndex);
        JsonObject index;
        try { index = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CheckpointException(path, "not a JSON object"); }
        catch (JsonException e) { throw new CheckpointException(path, $"not valid JSON ({e.Message.Split('\n')[0]})"); }
        if (DeclaredClass(index, "text_encoder") is null && DeclaredClass(index, TextEncoder2.Folder) is not null)
            throw new CheckpointException(path, SingleFileConfigs.SdxlRefinerRefusal);
        foreach (var (component, className, _, _) in Networks)
        {
            string? declared = DeclaredClass(index, component);
            if (declared != className)
                throw new CheckpointException(path, $"{component} is {declared ?? "missing"}; LatentSharp supports {className}");
        }
        if (DeclaredClass(index, TextEncoder2.Folder) is { } second && second != TextEncoder2.ClassName)
            throw new CheckpointException(path, $"{TextEncoder2.Folder} is {second}; LatentSharp supports {TextEncoder2.ClassName}");
        return index;
    }

    /// <summary>The class model_index.json declares for a component (["library", "Class"]), or null.</summary>
    public static string? DeclaredClass(JsonObject index, string component) =>
        AsString(index[component] is JsonArray entry ? entry.ElementAtOrDefault(1) : null);

    /// <summary>A boolean setting of model_index.json (force_zeros_for_empty_prompt), or null when absent.</summary>
    public static bool? BoolSetting(JsonObject index, string name) =>
        index[name] is JsonValue value && value.TryGetValue<bool>(out bool b) ? b : null;

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

    /// <summary>model_index.json for a Stable Diffusion pipeline with these components (an SDXL one when <paramref name="sdxl"/> is given).</summary>
    /// <param name="sdxl">SDXL's extras: whether tokenizer_2 is written, and force_zeros_for_empty_prompt.</param>
    public static string ModelIndexJson(string schedulerClass, bool hasTokenizer, (bool HasTokenizer2, bool ForceZerosForEmptyPrompt)? sdxl = null)
    {
        static JsonArray Entry(string? library, string? className) => [library, className];
        var index = new JsonObject
        {
            ["_class_name"] = sdxl is null ? "StableDiffusionPipeline" : "StableDiffusionXLPipeline",
            ["_diffusers_version"] = "0.27.2",
            ["feature_extractor"] = Entry(null, null),
            ["image_encoder"] = Entry(null, null),
            ["requires_safety_checker"] = false,
            ["safety_checker"] = Entry(null, null),
            ["scheduler"] = Entry("diffusers", schedulerClass),
            ["tokenizer"] = hasTokenizer ? Entry("transformers", "CLIPTokenizer") : Entry(null, null),
        };
        foreach (var (component, className, library, _) in Networks) index[component] = Entry(library, className);
        if (sdxl is { } xl)
        {
            index.Remove("requires_safety_checker");
            index.Remove("safety_checker");
            index["force_zeros_for_empty_prompt"] = xl.ForceZerosForEmptyPrompt;
            index[TextEncoder2.Folder] = Entry(TextEncoder2.Library, TextEncoder2.ClassName);
            index[Tokenizer2Folder] = xl.HasTokenizer2 ? Entry("transformers", "CLIPTokenizer") : Entry(null, null);
        }
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
