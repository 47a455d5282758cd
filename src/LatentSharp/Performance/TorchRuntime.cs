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
    /// kernel, a quarter less with huge pages. Also sets how idle OpenMP threads wait (<see cref="WaitPolicy"/>).
    /// Must run before the first tensor is created (LibTorch reads these settings once).
    /// </summary>
    public static void Configure(int? threads = null)
    {
        PrepareNativeEnvironment();
        torch.set_num_threads(threads ?? Environment.ProcessorCount);
        DisableNnpack();  // also for library hosts that configure through here
    }

    /// <summary>
    /// Turns LibTorch's NNPACK convolutions off, as <c>torch.backends.nnpack.set_flags(False)</c> does. Why: LibTorch
    /// asks whether NNPACK is usable each time oneDNN declines a convolution (a 1×1 convolution on one thread with a
    /// small batch), and on processors NNPACK does not recognise (this project's AMD EPYC VM) every asking prints
    /// "Could not initialize NNPACK! Reason: Unsupported hardware." — 47 271 lines in one LoRA run's log. LibTorch's
    /// own test for NNPACK also wants a batch of 16 or more, which oneDNN takes first, so NNPACK serves next to nothing
    /// in these models. The switch lives in LibTorch's C++ context, which TorchSharp does not expose: it is called by
    /// its Itanium-ABI name, so on Windows (another C++ ABI) it is a no-op.
    /// </summary>
    public static void DisableNnpack() => SetNnpack(false);

    /// <summary>LibTorch's NNPACK switch; tests turn it back on to see who turns it off.</summary>
    internal static void SetNnpack(bool enabled)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            at_Context_setUserEnabledNNPACK(at_globalContext(), enabled);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A LibTorch built without the symbol: the warning, if any, stays.
        }
    }

    /// <summary>Whether LibTorch would consider NNPACK (<c>torch.backends.nnpack.enabled</c>); null where it cannot be asked.</summary>
    public static bool? NnpackEnabled()
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            return at_Context_userEnabledNNPACK(at_globalContext());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The native settings LibTorch reads once, when it loads (huge pages for large tensors, <see cref="WaitPolicy"/>),
    /// without loading it: every `sd` command calls this first, so training and the server get them too. A variable
    /// the user has set is kept.
    /// </summary>
    public static void PrepareNativeEnvironment()
    {
        if (!OperatingSystem.IsLinux()) return;
        SetNativeDefault("THP_MEM_ALLOC_ENABLE", "1");
        SetNativeDefault("OMP_WAIT_POLICY", WaitPolicy);
    }

    /// <summary>
    /// How LibTorch's OpenMP threads (GNU libgomp) wait between parallel regions, unless OMP_WAIT_POLICY is already set.
    /// By default a waiting thread spins for a while; with as many threads as cores, one other busy process then takes
    /// a core from a thread the spinning ones wait for. libgomp reads the variable once, when LibTorch loads it, so it is
    /// set natively before the first tensor operation. Measured (docs/performance.md, "OpenMP waiting"): on a quiet
    /// machine PASSIVE costs nothing (a bf16 512² guided U-Net pass 4.71 s against 4.77 s by default); beside one busy
    /// process it takes 8.16 s against 10.71 s.
    /// </summary>
    public const string WaitPolicy = "PASSIVE";

    /// <summary>Sets a variable in the native environment, where LibTorch and libgomp read theirs (.NET's
    /// Environment.SetEnvironmentVariable does not reach it), unless it is already set.</summary>
    static void SetNativeDefault(string name, string value)
    {
        try
        {
            setenv(name, value, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No C library to ask: keep the default.
        }
    }

    /// <summary>
    /// Hands memory freed inside the C heap back to the system (glibc's malloc_trim). Why: weights smaller than glibc's
    /// mmap threshold live in the heap, and freeing them leaves the pages resident until something asks; after a
    /// one-shot run releases a network, the decoder's peak would otherwise stack on them. Elsewhere a no-op.
    /// </summary>
    public static void ReturnFreedMemory()
    {
        // Tensor handles nobody can reach any more still hold their storage until their finalizers run: a released
        // text encoder's token table (SD 1.5 fp32: 152 MB) stayed resident that way through the whole sampling phase,
        // held by Parameter wrappers TorchSharp hands out for an Embedding's weight. Finalize them first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TrimNativeHeap();
    }

    /// <summary>
    /// glibc's malloc_trim alone: the pages of free heap chunks go back to the system (no garbage collection). Why each
    /// sampling step of a one-shot float32 run calls it: a U-Net pass frees and reallocates activations of many sizes under
    /// glibc's mmap threshold, and the heap kept the holes resident — a 512² fp32 SD 1.5 run's heap held 0.86 GB of free
    /// chunks after its first three steps, on top of the weights. The price is the kernel's work to fault those pages in
    /// again (≈ 0.25 s of kernel CPU time per fp32 pass, ≈ 0.1 s per bf16 pass). Elsewhere a no-op.
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): the pages stay until reused.
        }
    }

    // at::globalContext() returns a reference (a pointer in the ABI); the member functions take it as their first argument.
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    static extern nint at_globalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    static extern void at_Context_setUserEnabledNNPACK(nint context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    static extern bool at_Context_userEnabledNNPACK(nint context);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
