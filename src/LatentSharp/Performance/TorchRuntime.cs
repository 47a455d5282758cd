using TorchSharp;

namespace LatentSharp.Performance;

/// <summary>
/// Process-wide settings for fast CPU work, applied once at program start by the command line and
/// the server (a library does not change its host's settings on its own).
/// </summary>
public static class TorchRuntime
{
    /// <summary>Sets LibTorch's intra-op threads (default: the processor count).</summary>
    public static void Configure(int? threads = null)
    {
        torch.set_num_threads(threads ?? Environment.ProcessorCount);
    }
}
