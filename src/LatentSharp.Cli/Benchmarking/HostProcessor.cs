using LatentSharp.Performance;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>
/// The processor a benchmark ran on, as one line for its JSON: the model name and the instruction sets that decide
/// which oneDNN kernels run (AVX-512, its bfloat16 dot products, AMX tiles — as <see cref="CpuFeatures"/> detects
/// them for the precision choice). A virtual machine can move to another host between two runs — this project's
/// reference VM went from an AMD EPYC, where bf16 halves a step's time, to an Intel Xeon without AMX, where bf16's
/// convolutions are slower than fp32's — so results are only comparable when this field is the same.
/// </summary>
public static class HostProcessor
{
    /// <summary>"model name; features", or null where /proc/cpuinfo (the model name's source) does not exist.</summary>
    public static string? Describe() =>
        File.Exists("/proc/cpuinfo")
            ? Format(ModelName(File.ReadAllText("/proc/cpuinfo")), CpuFeatures.HasAvx512F, CpuFeatures.HasAvx512Bf16, CpuFeatures.HasAmxBf16)
            : null;

    /// <summary>The first processor's "model name" in a /proc/cpuinfo text.</summary>
    public static string? ModelName(string cpuInfo)
    {
        foreach (var line in cpuInfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon >= 0 && line[..colon].Trim() == "model name") return line[(colon + 1)..].Trim();
        }
        return null;
    }

    public static string Format(string? modelName, bool avx512F, bool avx512Bf16, bool amxBf16)
    {
        var features = new[] { (avx512F, "avx512f"), (avx512Bf16, "avx512_bf16"), (amxBf16, "amx_bf16") }
            .Where(f => f.Item1).Select(f => f.Item2).ToList();
        return $"{modelName ?? "unknown processor"}; {(features.Count > 0 ? string.Join(' ', features) : "no avx512")}";
    }
}
