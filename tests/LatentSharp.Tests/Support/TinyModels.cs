using System.Collections.Concurrent;
using LatentSharp.Checkpoints;

namespace LatentSharp.Tests.Support;

/// <summary>
/// The fixtures' tiny pipelines, loaded once per test run and shared (read-only) by the parity tests:
/// "tiny-sd1", "tiny-sd2" and "tiny-sdxl" from their diffusers folders, "tiny-sd1.single" and "tiny-sdxl.single" from
/// the F16 single files (tiny-sdxl's attention heads cannot be inferred from shapes: its single file takes the folder's configs).
/// </summary>
public static class TinyModels
{
    public const string Sd1 = "tiny-sd1";
    public const string Sd2 = "tiny-sd2";
    public const string Sd1Single = "tiny-sd1.single";
    public const string Sdxl = "tiny-sdxl";
    public const string SdxlSingle = "tiny-sdxl.single";

    static readonly ConcurrentDictionary<string, Lazy<StableDiffusionModel>> loaded = new();

    public static StableDiffusionModel Get(string name) =>
        loaded.GetOrAdd(name, n => new Lazy<StableDiffusionModel>(() => Load(n))).Value;

    /// <summary>A fresh copy the caller disposes.</summary>
    public static StableDiffusionModel Load(string name) => name switch
    {
        Sd1 => StableDiffusionModel.Load(Fixtures.TinySd1),
        Sd2 => StableDiffusionModel.Load(Fixtures.TinySd2),
        Sd1Single => StableDiffusionModel.Load(Fixtures.TinySd1Single, tokenizerPath: Path.Combine(Fixtures.TinySd1, "tokenizer")),
        Sdxl => StableDiffusionModel.Load(Fixtures.TinySdxl),
        SdxlSingle => LoadSdxlSingle(),
        _ => throw new ArgumentException($"no tiny model '{name}'"),
    };

    static StableDiffusionModel LoadSdxlSingle()
    {
        using var checkpoint = StableDiffusionCheckpoint.Open(Fixtures.TinySdxlSingle, configFolder: Fixtures.TinySdxl);
        return checkpoint.Load();
    }

    /// <summary>The models a fixture case can run on: its pipeline folder, and the single file for sd1 and sdxl cases.</summary>
    public static IEnumerable<string> ModelsFor(string caseName) =>
        caseName.StartsWith("sdxl_", StringComparison.Ordinal) ? [Sdxl, SdxlSingle]
        : caseName.Contains("_sd1", StringComparison.Ordinal) ? [Sd1, Sd1Single]
        : caseName.Contains("_sd2", StringComparison.Ordinal) ? [Sd2]
        : throw new ArgumentException($"case '{caseName}' names no tiny model");

    /// <summary>xunit theory rows (case, model) for every case of a kind.</summary>
    public static TheoryData<string, string> CasesWithModels(string kind)
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Fixtures.CasesOfKind(kind))
            foreach (var model in ModelsFor(c))
                data.Add(c, model);
        return data;
    }
}
