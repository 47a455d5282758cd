// How to add to the `sd` command line (System.CommandLine 3; one pattern for every command):
//
// - A new command is one file in Commands/: a class deriving from SdCommand, with its options as readonly fields
//   made by the CliOption factories (typed, ranged, with the project's one-line errors and a default that --help
//   shows), added in the constructor, and read in Run(ParseResult) with parse.GetValue(option). Its path may have
//   several words ("bench plot"): the parent command is found or made here. Nothing else needs registering.
// - A new option of generate/img2img/inpaint goes into Generation/GenerationOptions.cs (declared once, added to all
//   three, read into the GenerationRequest); of train vae/unet into Training/TrainingOptions.cs; of one command only,
//   into that command's class. Options that describe a training run belong in TrainingOptions.RunOptions (`--resume`
//   refuses them).
// - Bad input: a CliOption parser (or a validator) reports option errors at parse time; checks that need several
//   options throw UsageException (exit 2) in Run; errors about files and models throw LatentSharpException or an
//   IOException (exit 1). Every error is one line, "sd COMMAND: what is wrong".
// - For free: `sd COMMAND --help`, completion (`sd completion bash|zsh|pwsh`, through System.CommandLine's [suggest]
//   directive; CliOption.Choice and CompletionSources add value completions), response files (`sd generate @args.rsp`).
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using LatentSharp.Checkpoints;
using LatentSharp.Performance;

namespace LatentSharp.Cli;

public static class Program
{
    const string Description = "sd — Stable Diffusion in C# (LatentSharp)";

    /// <summary>Summaries of the commands that only group others.</summary>
    static readonly Dictionary<string, string> GroupSummaries = new()
    {
        ["data"] = "make data sets (sd data shapes)",
        ["train"] = "train an autoencoder (sd train vae), a text-to-image model (sd train unet), a LoRA (sd train lora), or a shapes model's position words (sd train position-words) and phrasings (sd train phrasings)",
    };

    /// <summary>`sd ARGS` in this process (the process itself starts in <see cref="ProcessEntry"/>).</summary>
    public static int Main(string[] argv)
    {
        // Before anything can load LibTorch: the settings it reads once (thread waiting, huge pages).
        TorchRuntime.PrepareNativeEnvironment();
        var root = BuildRoot(AllCommands());
        if (argv.Length == 0)
        {
            root.Parse(["--help"]).Invoke();
            return 2;
        }
        // `sd help` and `sd help train vae` as well as --help.
        if (argv[0] == "help") argv = [.. argv[1..], "--help"];
        return Run(root, argv);
    }

    /// <summary>Runs one command on its own arguments (the words of its path are added), as `sd` would.</summary>
    public static int RunReportingErrors(SdCommand command, IReadOnlyList<string> args) =>
        Run(BuildRoot([command]), [.. command.FullName.Split(' '), .. args]);

    /// <summary>Parses and runs; every failure a user can act on becomes one line on stderr and a non-zero exit.</summary>
    static int Run(RootCommand root, IReadOnlyList<string> args)
    {
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            Console.Error.WriteLine($"{CommandLabel(parse)}: {ParseErrors.Describe(parse)}");
            return 2;
        }
        try
        {
            // Ctrl-C and SIGTERM stay with the commands (training checkpoints, the server drains).
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"{CommandLabel(parse)}: {e.Message}");
            return 2;
        }
        catch (Exception e) when (UserError(e) is string message)
        {
            Console.Error.WriteLine($"{CommandLabel(parse)}: {message}");
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

    /// <summary>"sd train vae": the words of the command the arguments reached.</summary>
    static string CommandLabel(ParseResult parse)
    {
        var words = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c && c.Command is not RootCommand; r = r.Parent)
            words.Insert(0, c.Command.Name);
        return string.Join(' ', ["sd", .. words]);
    }

    /// <summary>The command tree: each command under the commands its path names, made as plain groups where missing.</summary>
    public static RootCommand BuildRoot(IEnumerable<SdCommand> commands)
    {
        var root = new RootCommand(Description);
        // In ordinal order a parent ("bench") comes before its children ("bench plot"), and groups land in alphabetical order.
        foreach (var command in commands.OrderBy(c => c.FullName, StringComparer.Ordinal))
        {
            Command parent = root;
            foreach (string word in command.FullName.Split(' ')[..^1])
                parent = parent.Subcommands.FirstOrDefault(c => c.Name == word)
                         ?? Added(parent, new Command(word, GroupSummaries.GetValueOrDefault(word, "")));
            parent.Add(command);
        }
        ConfigureHelp(root);
        return root;
    }

    static Command Added(Command parent, Command child)
    {
        parent.Add(child);
        return child;
    }

    /// <summary>System.CommandLine's help, then the command's details.</summary>
    static void ConfigureHelp(RootCommand root) => root.Options.OfType<HelpOption>().Single().Action = new DetailedHelpAction();

    /// <summary>Every command of `sd` (found by reflection: each non-abstract SdCommand in this assembly).</summary>
    public static List<SdCommand> AllCommands() =>
        typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(SdCommand).IsAssignableFrom(t) && t is { IsAbstract: false })
            .Select(t => (SdCommand)Activator.CreateInstance(t)!)
            .ToList();
}
