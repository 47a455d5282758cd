using System.Reflection;
using LatentSharp.Checkpoints;

namespace LatentSharp.Cli;

public static class Program
{
    public static int Main(string[] argv)
    {
        var commands = AllCommands();
        if (argv.Length == 0 || argv[0] is "--help" or "-h" or "help")
        {
            PrintHelp(commands);
            return argv.Length == 0 ? 2 : 0;
        }
        // Longest match first, so "train vae" wins over "train".
        var command = commands.Where(c => Matches(c.Name, argv)).OrderByDescending(c => c.Name.Split(' ').Length).FirstOrDefault();
        if (command == null)
        {
            Console.Error.WriteLine($"sd: unknown command '{argv[0]}' (commands: {string.Join(", ", commands.Select(c => c.Name))})");
            return 2;
        }
        var rest = argv.Skip(command.Name.Split(' ').Length).ToArray();
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            Console.WriteLine(command.Usage);
            return 0;
        }
        return RunReportingErrors(command, rest);
    }

    /// <summary>Runs a command; every failure a user can act on becomes one line on stderr and a non-zero exit.</summary>
    public static int RunReportingErrors(ICommand command, string[] args)
    {
        try
        {
            return command.Run(new Arguments(args, FlagsOf(command)));
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"sd {command.Name}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (UserError(e) is string message)
        {
            Console.Error.WriteLine($"sd {command.Name}: {message}");
            return 1;
        }
    }

    /// <summary>Errors that describe a problem with the user's input or files, not a bug.</summary>
    static string? UserError(Exception e) => e switch
    {
        CheckpointException c => c.Message,
        LatentSharpException l => l.Message,
        FileNotFoundException f => $"file not found: {f.FileName ?? f.Message}",
        DirectoryNotFoundException d => d.Message,
        UnauthorizedAccessException u => u.Message,
        IOException io => io.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };

    static IReadOnlySet<string>? FlagsOf(ICommand command) => (command as IHasFlags)?.Flags;

    static bool Matches(string name, string[] argv)
    {
        var words = name.Split(' ');
        return argv.Length >= words.Length && words.Select((w, i) => argv[i] == w).All(x => x);
    }

    static List<ICommand> AllCommands() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(ICommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (ICommand)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();

    static void PrintHelp(List<ICommand> commands)
    {
        Console.WriteLine("sd — Stable Diffusion in C# (LatentSharp)\n\nusage: sd COMMAND [options]   (sd COMMAND --help for details)\n");
        int width = commands.Count == 0 ? 0 : commands.Max(c => c.Name.Length);
        foreach (var c in commands) Console.WriteLine($"  {c.Name.PadRight(width)}  {c.Summary}");
    }
}

/// <summary>A command whose boolean switches take no value (so `--flag positional` parses right).</summary>
public interface IHasFlags
{
    IReadOnlySet<string> Flags { get; }
}
