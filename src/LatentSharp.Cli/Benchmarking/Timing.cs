using System.Diagnostics;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>
/// Min and median wall time of repeated runs, and the process CPU time per run (a guide when the machine is
/// shared), of which <paramref name="KernelSecondsPerRun"/> in the kernel (page faults, thread wake-ups).
/// </summary>
public sealed record Timing(double MinSeconds, double MedianSeconds, double CpuSecondsPerRun, double KernelSecondsPerRun)
{
    /// <summary>Runs <paramref name="action"/> once unmeasured (LibTorch builds its kernels on first use), then <paramref name="repeats"/> times.</summary>
    public static Timing Measure(Action action, int repeats, bool warmUp = true)
    {
        if (warmUp) action();
        var seconds = new List<double>();
        var process = Process.GetCurrentProcess();
        var (cpuBefore, kernelBefore) = (process.TotalProcessorTime, process.PrivilegedProcessorTime);
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / repeats;
        double kernel = (process.PrivilegedProcessorTime - kernelBefore).TotalSeconds / repeats;
        return FromSeconds(seconds, cpu, kernel);
    }

    /// <summary>Min and median of measured durations (and the CPU time per duration, if known).</summary>
    public static Timing FromSeconds(IEnumerable<double> durations, double cpuSecondsEach = double.NaN, double kernelSecondsEach = double.NaN)
    {
        var seconds = durations.Order().ToList();
        if (seconds.Count == 0) throw new ArgumentException("no durations");
        double median = seconds.Count % 2 == 1 ? seconds[seconds.Count / 2] : (seconds[seconds.Count / 2 - 1] + seconds[seconds.Count / 2]) / 2;
        return new Timing(seconds[0], median, cpuSecondsEach, kernelSecondsEach);
    }
}
