using System.Runtime.InteropServices;

namespace LatentSharp.Tests.Support;

/// <summary>The test process's memory: resident pages, and the bytes native code holds from malloc.</summary>
public static class ProcessMemory
{
    /// <summary>Resident memory, from /proc (Linux) or the runtime's working set elsewhere.</summary>
    public static long ResidentBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
            foreach (var line in File.ReadLines(status))
                if (line.StartsWith("VmRSS:"))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return Environment.WorkingSet;
    }

    /// <summary>
    /// Bytes allocated by malloc and not yet freed, over every arena (glibc's mallinfo2: in-use chunks plus mmapped
    /// blocks), or null where there is no glibc. Unlike resident memory it does not move when the allocator keeps freed
    /// pages or opens another arena for a new thread, so a native leak is the only thing that makes it climb.
    /// </summary>
    public static long? NativeHeapInUseBytes()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var info = mallinfo2();
            return (long)(info.uordblks + info.hblkhd);
        }
        catch (EntryPointNotFoundException) { return null; } // musl, or glibc older than 2.33
        catch (DllNotFoundException) { return null; }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc")]
    static extern MallInfo2 mallinfo2();
}
