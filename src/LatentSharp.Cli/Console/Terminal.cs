using Spectre.Console;

namespace LatentSharp.Cli;

/// <summary>
/// Where `sd` writes: results on stdout, progress and notes on stderr. Spectre.Console draws on a terminal; when a
/// stream is redirected (a pipe, a log file, CI) the output is plain lines. While a live progress display is on
/// the terminal, lines go through it so that they appear above the bars instead of tearing them.
/// </summary>
public static class Terminal
{
    static readonly Lazy<IAnsiConsole> ErrorConsole = new(() => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
        Interactive = ErrorIsInteractive ? InteractionSupport.Yes : InteractionSupport.No,
        Ansi = ErrorIsInteractive ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = ErrorIsInteractive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
    }));

    /// <summary>stderr is a terminal that can redraw (live progress bars) rather than a file or pipe.</summary>
    public static bool ErrorIsInteractive => !Console.IsErrorRedirected && IsCapableTerminal();

    /// <summary>stdout is a terminal (tables get borders and colours) rather than a file or pipe.</summary>
    public static bool OutputIsInteractive => !Console.IsOutputRedirected && IsCapableTerminal();

    /// <summary>The Spectre console on stderr (live progress displays).</summary>
    public static IAnsiConsole Error => ErrorConsole.Value;

    /// <summary>A result line on stdout.</summary>
    public static void WriteLine(string line)
    {
        if (LiveProgress.IsActive && OutputIsInteractive) Error.WriteLine(line);
        else Console.WriteLine(line);
    }

    /// <summary>A note, warning or status line on stderr.</summary>
    public static void Note(string line)
    {
        if (LiveProgress.IsActive) Error.WriteLine(line);
        else Console.Error.WriteLine(line);
    }

    static bool IsCapableTerminal() => Environment.GetEnvironmentVariable("TERM") is not "dumb";
}
