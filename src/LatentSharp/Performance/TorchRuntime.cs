using System.Runtime.InteropServices;
using TorchSharp;

namespace LatentSharp.Performance;

/// <summary>
/// Process-wide settings for fast CPU work, applied once at program start by the command line and
/// the server (a library does not change its host's settings on its own).
/// </summary>
public static class TorchRuntime
{
    /// <summary>
    /// Sets LibTorch's intra-op threads (default: the processor count) and, on Linux, asks LibTorch to back
    /// tensors of 2 MB and more with transparent huge pages. glibc serves such blocks (above 32 MB) with fresh
    /// memory maps that the kernel faults in page by page: a 512² VAE decode spent 15% of its CPU time in the
    /// kernel, a quarter less with huge pages. Must run before the first tensor is created (LibTorch reads the
    /// setting once).
    /// </summary>
    public static void Configure(int? threads = null)
    {
        if (OperatingSystem.IsLinux()) UseHugePagesForLargeTensors();
        torch.set_num_threads(threads ?? Environment.ProcessorCount);
    }

    static void UseHugePagesForLargeTensors()
    {
        // LibTorch reads its environment natively; .NET's Environment.SetEnvironmentVariable does not reach it.
        try
        {
            setenv("THP_MEM_ALLOC_ENABLE", "1", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library to ask: keep the default.
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
