using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace LatentSharp.Tests.Support;

/// <summary>
/// The `sd` command as a real child process (<c>dotnet sd.dll ...</c> from the test's output folder, where the
/// CLI project reference puts it): its output lines as they come, POSIX signals, and a bounded wait for its exit.
/// </summary>
public sealed partial class SdProcess : IDisposable
{
    readonly Process process;
    readonly ConcurrentQueue<string> stdout = new(), stderr = new();

    SdProcess(Process process) => this.process = process;

    public int Id => process.Id;

    public IReadOnlyCollection<string> StandardOutput => stdout;
    public IReadOnlyCollection<string> StandardError => stderr;

    public static SdProcess Start(params string[] arguments) => Start(new Dictionary<string, string?>(), arguments);

    /// <summary>Starts `sd` with <paramref name="environment"/> added to (or, with null values, removed from) the test's own.</summary>
    public static SdProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        string sd = Path.Combine(AppContext.BaseDirectory, "sd.dll");
        if (!File.Exists(sd)) throw new FileNotFoundException("sd.dll is missing beside the tests", sd);
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(sd);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var child = new SdProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data != null) child.stdout.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) child.stderr.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    [GeneratedRegex(@"serving .* on (http://\S+)")]
    private static partial Regex ServingLine();

    /// <summary>Waits (bounded) for `sd serve` to print where it listens.</summary>
    public async Task<Uri> WaitForServingAsync(double seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (stdout.Select(l => ServingLine().Match(l)).FirstOrDefault(m => m.Success) is { } m) return new Uri(m.Groups[1].Value);
            if (process.HasExited) throw new InvalidOperationException($"sd exited ({process.ExitCode}) before serving:\n{Transcript()}");
            await Task.Delay(50);
        }
        throw new TimeoutException($"sd serve did not start within {seconds} s:\n{Transcript()}");
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    static extern int Kill(int pid, int signal);

    public const int SIGTERM = 15;

    public void Signal(int signal)
    {
        if (Kill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The exit code, waiting at most <paramref name="seconds"/>.</summary>
    public async Task<int> WaitForExitAsync(double seconds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"sd did not exit within {seconds} s:\n{Transcript()}");
        }
        process.WaitForExit();   // drains the output readers
        return process.ExitCode;
    }

    public string Transcript() => $"--- stdout\n{string.Join('\n', stdout)}\n--- stderr\n{string.Join('\n', stderr)}";

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
