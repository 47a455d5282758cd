using System.Globalization;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>This process's resident memory from /proc/self/status (Linux); zero elsewhere.</summary>
public static class ProcessMemory
{
    const string Status = "/proc/self/status";

    /// <summary>The peak resident set (VmHWM) in bytes.</summary>
    public static long PeakResidentBytes() => StatusKb("VmHWM") * 1024;

    public static long ResidentBytes() => StatusKb("VmRSS") * 1024;

    /// <summary>Starts a new peak from the current resident set (writes 5 to /proc/self/clear_refs); false where unsupported.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    static long StatusKb(string field)
    {
        if (!File.Exists(Status)) return 0;
        foreach (var line in File.ReadLines(Status))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return 0;
    }
}
