namespace LatentSharp.Cli.Benchmarking;

/// <summary>
/// The processor a benchmark ran on, as one line for its JSON: the model name and the instruction sets that decide
/// which oneDNN kernels run (AVX-512, its bfloat16 dot products, AMX tiles). A virtual machine can move to another
/// host between two runs — this project's reference VM went from an AMD EPYC, where bf16 halves a step's time, to
/// an Intel Xeon without AMX, where bf16's convolutions are slower than fp32's — so results are only comparable
/// when this field is the same.
/// </summary>
public static class HostProcessor
{
    static readonly string[] Features = ["avx512f", "avx512_bf16", "amx_bf16"];

    /// <summary>"model name; features", or null where /proc/cpuinfo does not exist.</summary>
    public static string? Describe() =>
        File.Exists("/proc/cpuinfo") ? FromCpuInfo(File.ReadAllText("/proc/cpuinfo")) : null;

    /// <summary>Reads the first processor's "model name" and "flags" lines of a /proc/cpuinfo text.</summary>
    public static string FromCpuInfo(string cpuInfo)
    {
        string? model = null, flags = null;
        foreach (var line in cpuInfo.Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "model name") model ??= value;
            else if (key == "flags") flags ??= value;
            if (model is not null && flags is not null) break;
        }
        var present = flags?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? [];
        var features = Features.Where(present.Contains).ToList();
        return $"{model ?? "unknown processor"}; {(features.Count > 0 ? string.Join(' ', features) : "no avx512")}";
    }
}
