using System.Text.Json;
using LatentSharp.Checkpoints;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Support;

/// <summary>
/// The reference tensors in ../shared/fixtures (made with diffusers/transformers; see its README).
/// A missing fixtures folder fails the test that needs it: parity must never be skipped silently.
/// </summary>
public static class Fixtures
{
    static readonly Lazy<string> root = new(FindRoot);
    static readonly Lazy<JsonDocument> cases = new(() => ParsePythonJson(File.ReadAllText(Path.Combine(Root, "cases.json"))));
    static readonly Lazy<JsonDocument> cases2 = new(() => ParsePythonJson(File.ReadAllText(Path.Combine(Root, "cases2.json"))));

    /// <summary>The fixtures folder: $LATENTSHARP_FIXTURES, else ../shared/fixtures beside the repository.</summary>
    public static string Root => root.Value;

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LatentSharp.sln"))) return dir.FullName;
            throw new InvalidOperationException("cannot find the repository root (LatentSharp.sln) above " + AppContext.BaseDirectory);
        }
    }

    public static string TinySd1 => Path.Combine(Root, "tiny-sd1");
    public static string TinySd2 => Path.Combine(Root, "tiny-sd2");
    public static string TinySd1Single => Path.Combine(Root, "tiny-sd1.single.safetensors");
    public static string TinySdxl => Path.Combine(Root, "tiny-sdxl");
    public static string TinySdxlSingle => Path.Combine(Root, "tiny-sdxl.single.safetensors");

    /// <summary>A file of the wave-2 adapters folder (LoRA and textual-inversion files).</summary>
    public static string Adapter(string fileName) => Path.Combine(Root, "adapters", fileName);

    /// <summary>A top-level entry of cases2.json (lora_kohya_name_to_module, sdxl_tokenizers, ...).</summary>
    public static JsonElement Wave2(string key) => cases2.Value.RootElement.GetProperty(key);

    /// <summary>The record of one case, from cases.json or (wave 2) cases2.json.</summary>
    public static JsonElement Case(string name) =>
        AllCases.FirstOrDefault(c => c.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } c
            ? c : throw new KeyNotFoundException($"no fixture case '{name}' in cases.json or cases2.json");

    static IEnumerable<JsonElement> WaveOneCases => cases.Value.RootElement.GetProperty("cases").EnumerateArray();
    static IEnumerable<JsonElement> WaveTwoCases => cases2.Value.RootElement.GetProperty("cases").EnumerateArray();
    static IEnumerable<JsonElement> AllCases => WaveOneCases.Concat(WaveTwoCases);

    /// <summary>
    /// Every case of one kind (text_encoder, unet, vae_encode, scheduler, pipeline, sdxl_unet, ...), from both files: the
    /// kinds both waves use (vae_encode, vae_decode) then cover tiny-sdxl's autoencoder too.
    /// </summary>
    public static IEnumerable<string> CasesOfKind(string kind) =>
        AllCases.Where(c => c.GetProperty("kind").GetString() == kind).Select(c => c.GetProperty("name").GetString()!);

    /// <summary>Every wave-2 case (cases2.json) of one kind (lora_unet, ti_text_encoder, sdxl_unet, vae_decode, ...).</summary>
    public static IEnumerable<string> WaveTwoCasesOfKind(string kind) =>
        WaveTwoCases.Where(c => c.GetProperty("kind").GetString() == kind).Select(c => c.GetProperty("name").GetString()!);

    /// <summary>The case's suggested absolute tolerance (README: 4× the observed spread, ≥ 1e-6).</summary>
    public static double Atol(string name) => Case(name).GetProperty("suggested_atol").GetDouble();

    /// <summary>All tensors of a case, as stored (float32, int64 or float64).</summary>
    public static Dictionary<string, Tensor> Load(string name)
    {
        using var file = SafetensorsFile.Open(Path.Combine(Root, Case(name).GetProperty("file").GetString()!));
        return file.ReadAll();
    }

    public static JsonDocument TokenizerCases() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "cases", "tokenizer.json")));

    /// <summary>SDXL's tokenizer and tokenizer_2 cases (cases/sdxl_tokenizers.json).</summary>
    public static JsonDocument SdxlTokenizerCases() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "cases", "sdxl_tokenizers.json")));

    /// <summary>cases.json was written by Python, which spells non-finite floats NaN / Infinity.</summary>
    static JsonDocument ParsePythonJson(string text) =>
        JsonDocument.Parse(System.Text.RegularExpressions.Regex.Replace(text, @"(?<=[:\[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])", "null"));

    static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("LATENTSHARP_FIXTURES");
        string path = env ?? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));
        foreach (var index in new[] { "cases.json", "cases2.json" })
            if (!File.Exists(Path.Combine(path, index)))
                throw new InvalidOperationException(
                    $"the reference fixtures are missing: expected {path}/{index} (set LATENTSHARP_FIXTURES to their folder)");
        return path;
    }
}
