using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace LatentSharp.Cli;

/// <summary>
/// System.CommandLine's --help, followed by the command's <see cref="SdCommand.Details"/> (what it writes, its usage
/// forms). The command lists keep to each command's one-line description.
/// </summary>
public sealed class DetailedHelpAction : SynchronousCommandLineAction
{
    readonly HelpAction help = new();

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parse)
    {
        int exit = help.Invoke(parse);
        if (parse.CommandResult.Command is SdCommand { Details: { } details })
        {
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine("Details:");
            foreach (string line in details.TrimEnd().Split('\n')) output.WriteLine(line.Length > 0 ? "  " + line : "");
            output.WriteLine();
        }
        return exit;
    }
}
