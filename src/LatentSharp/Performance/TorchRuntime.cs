using System.Runtime.InteropServices;
using TorchSharp;

namespace LatentSharp.Performance;

/// <summary>
/// Process-wide settings for fast CPU work, applied once at program start by the command line and
/// the server (a library does not change its host's allocator on its own).
/// </summary>
public static class TorchRuntime
{
    // glibc mallopt parameters (malloc.h).
    const int MallocTrimThreshold = -1;
    const int MallocMmapMax = -4;

    /// <summary>
    /// Sets LibTorch's intra-op threads (default: the processor count) and, on glibc, makes freed memory stay
    /// in the heap. By default glibc serves every block above 32 MB with a fresh mmap and unmaps it on free, so
    /// each sampling step page-faults its large activations in again (measured on SD 1.5 at 512²: millions of
    /// faults and a quarter of the CPU time in the kernel). Kept, the blocks are reused step after step; the
    /// peak resident memory is unchanged, but memory is not handed back to the system until the process ends.
    /// </summary>
    public static void Configure(int? threads = null)
    {
        torch.set_num_threads(threads ?? Environment.ProcessorCount);
        if (OperatingSystem.IsLinux()) RetainFreedMemory();
    }

    static void RetainFreedMemory()
    {
        try
        {
            mallopt(MallocMmapMax, 0);
            mallopt(MallocTrimThreshold, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): its allocator has no such settings.
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);
}
