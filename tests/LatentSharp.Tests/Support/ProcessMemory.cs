namespace LatentSharp.Tests.Support;

/// <summary>The test process's resident memory, from /proc (Linux) or the runtime's working set elsewhere.</summary>
public static class ProcessMemory
{
    public static long ResidentBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmRSS:"))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return Environment.WorkingSet;
    }
}
