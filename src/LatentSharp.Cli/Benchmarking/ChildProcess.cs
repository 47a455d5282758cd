using System.Diagnostics;
using System.Reflection;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>Runs `sd` again as a child process (so each configuration has its own peak memory) and returns its standard output.</summary>
public static class ChildProcess
{
    public static string RunSelf(IEnumerable<string> arguments)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the running program");
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardOutput = true };
        // Under `dotnet sd.dll` the host is dotnet itself: pass the program's assembly first.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new LatentSharpException($"benchmark child process failed (exit {child.ExitCode}): {string.Join(' ', arguments)}");
        return output;
    }
}
