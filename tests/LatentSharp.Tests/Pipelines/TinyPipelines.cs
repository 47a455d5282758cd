using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Pipelines;

/// <summary>The fixtures' tiny pipelines, loaded once per test run (read-only use; generation is per call).</summary>
internal static class TinyPipelines
{
    static readonly Lazy<StableDiffusionPipeline> sd1 = new(() => StableDiffusionPipeline.Load(Fixtures.TinySd1));
    static readonly Lazy<StableDiffusionPipeline> sd2 = new(() => StableDiffusionPipeline.Load(Fixtures.TinySd2));
    static readonly Lazy<StableDiffusionPipeline> sdxl = new(() => StableDiffusionPipeline.Load(Fixtures.TinySdxl));

    // The single file with the folder's configs and only its first tokenizer: tokenizer_2 is derived (pad "!").
    static readonly Lazy<StableDiffusionPipeline> sdxlSingle = new(() => new StableDiffusionPipeline(
        TinyModels.Load(TinyModels.SdxlSingle), LatentSharp.Text.ClipTokenizer.FromFolder(Path.Combine(Fixtures.TinySdxl, "tokenizer"))));
    static readonly object gate = new();

    public static StableDiffusionPipeline Sd1 => sd1.Value;
    public static StableDiffusionPipeline Sd2 => sd2.Value;
    public static StableDiffusionPipeline Sdxl => sdxl.Value;
    public static StableDiffusionPipeline SdxlSingle => sdxlSingle.Value;

    public static StableDiffusionPipeline Get(string model) => model switch
    {
        TinyModels.Sdxl => Sdxl,
        TinyModels.SdxlSingle => SdxlSingle,
        TinyModels.Sd2 => Sd2,
        _ => Sd1,
    };

    /// <summary>Pipelines keep no per-run state, but tests that count live tensors must not overlap other generations.</summary>
    public static T Exclusive<T>(Func<T> run)
    {
        lock (gate) return run();
    }
}
