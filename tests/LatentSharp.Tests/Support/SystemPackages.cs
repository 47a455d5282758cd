using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LatentSharp.Tests.Support;

/// <summary>
/// What the tests need from the system beyond the .NET SDK: Chromium for the web page tests and a font for the text in
/// plots and grids. The README's test command must pass on a fresh Debian 12 that has only the SDK, so when one is
/// missing and the tests run as root (as CI does) with apt-get at hand, Debian's package is installed, once per
/// machine and one install at a time (the build's g++ install takes the same lock). Anywhere else a missing package
/// fails the tests that need it with the command that installs it: nothing is silently left untested.
/// </summary>
public static class SystemPackages
{
    const string AptLock = "/tmp/latentsharp-apt.lock";
    static readonly TimeSpan InstallLimit = TimeSpan.FromMinutes(10);
    static readonly object Installing = new();

    /// <summary>Fonts first: the font is chosen (and cached) the first time any code draws text.</summary>
    [ModuleInitializer]
    internal static void EnsureAFont() =>
        TryEnsure("fonts-dejavu-core", HasAFont, "the text in plots and sample grids");

    /// <summary>Installs <paramref name="package"/> unless <paramref name="isPresent"/>; throws with the way out when it cannot.</summary>
    public static void Ensure(string package, Func<bool> isPresent, string neededFor)
    {
        lock (Installing)
        {
            if (isPresent()) return;
            if (!CanInstall(out string why))
                throw new InvalidOperationException($"{package} is missing and {why}: install it (apt-get install -y {package}); {neededFor} need it");
            Console.Error.WriteLine($"tests: installing Debian's {package} for {neededFor} (apt-get, once per machine)");
            Run("flock", AptLock, "sh", "-c", "apt-get update -qq && apt-get install -y -qq --no-install-recommends " + package);
            if (!isPresent()) throw new InvalidOperationException($"apt-get installed {package}, but it is still not found");
        }
    }

    /// <summary>As <see cref="Ensure"/>, but a failure only warns: the tests that need the package then fail themselves.</summary>
    static void TryEnsure(string package, Func<bool> isPresent, string neededFor)
    {
        try { Ensure(package, isPresent, neededFor); }
        catch (InvalidOperationException e) { Console.Error.WriteLine("tests: " + e.Message); }
    }

    static bool HasAFont() =>
        !OperatingSystem.IsLinux()
        || new[] { "/usr/share/fonts", "/usr/local/share/fonts" }.Where(Directory.Exists)
            .Any(root => Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
                .Any(f => f.EndsWith(".ttf", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".otf", StringComparison.OrdinalIgnoreCase)));

    static bool CanInstall(out string why)
    {
        why = "";
        if (!OperatingSystem.IsLinux()) why = "this is not Linux";
        else if (Environment.UserName != "root") why = "the tests do not run as root, so they cannot install it";
        else if (!File.Exists("/usr/bin/apt-get")) why = "apt-get is missing";
        else if (!File.Exists("/usr/bin/flock")) why = "flock (util-linux) is missing";
        return why == "";
    }

    static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(InstallLimit))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"installing with apt-get took more than {InstallLimit.TotalMinutes} minutes");
        }
        if (process.ExitCode != 0)
        {
            string last = (error.Result + output.Result).Trim().Split('\n').LastOrDefault() ?? "";
            throw new InvalidOperationException($"apt-get failed (exit {process.ExitCode}): {last}");
        }
    }
}
