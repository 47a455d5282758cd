using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Pipelines;

/// <summary>The fixtures' tiny pipelines, loaded once per test run (read-only use; generation is per call).</summary>
internal static class TinyPipelines
{
    static readonly Lazy<StableDiffusionPipeline> sd1 = new(() => StableDiffusionPipeline.Load(Fixtures.TinySd1));
    static readonly Lazy<StableDiffusionPipeline> sd2 = new(() => StableDiffusionPipeline.Load(Fixtures.TinySd2));
    static readonly object gate = new();

    public static StableDiffusionPipeline Sd1 => sd1.Value;
    public static StableDiffusionPipeline Sd2 => sd2.Value;

    /// <summary>Pipelines keep no per-run state, but tests that count live tensors must not overlap other generations.</summary>
    public static T Exclusive<T>(Func<T> run)
    {
        lock (gate) return run();
    }
}
