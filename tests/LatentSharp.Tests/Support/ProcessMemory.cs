using System.Runtime.InteropServices;

namespace LatentSharp.Tests.Support;

/// <summary>
/// The test process's native heap. Its resident memory is <see cref="Environment.WorkingSet"/> (VmRSS on Linux);
/// LatentSharp.Cli.Benchmarking.ProcessMemory reads the peak for `sd bench`.
/// </summary>
public static class ProcessMemory
{
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
