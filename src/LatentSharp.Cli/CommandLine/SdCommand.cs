using System.CommandLine;
using LatentSharp.Performance;

namespace LatentSharp.Cli;

/// <summary>
/// One `sd` command, declared with System.CommandLine: its options are fields, added in the constructor, and
/// <see cref="Run"/> reads them from the <see cref="ParseResult"/>. Commands are found by reflection (see
/// Program.cs), so a new command is one new file in Commands/. <paramref name="fullName"/> may name a nested command
/// ("train vae", "bench plot"): the words before the last are its parent commands.
/// </summary>
public abstract class SdCommand : Command
{
    protected SdCommand(string fullName, string summary, string? details = null) : base(fullName.Split(' ')[^1], summary)
    {
        FullName = fullName;
        Details = details;
        SetAction(parse =>
        {
            if (UsesLibTorch) TorchRuntime.DisableNnpack();
            return Run(parse);
        });
    }

    /// <summary>The words after `sd` that select this command, e.g. "train vae".</summary>
    public string FullName { get; }

    /// <summary>More than the one-line description: printed after the options by the command's --help.</summary>
    public string? Details { get; }

    /// <summary>
    /// Whether the command computes with LibTorch. Such a command gets LibTorch's process settings before it runs
    /// (NNPACK off, see <see cref="TorchRuntime.DisableNnpack"/>), here in one place rather than in each command; one
    /// that never touches a tensor says false and does not pay for loading LibTorch (≈ 1 s for `sd data shapes`).
    /// </summary>
    protected virtual bool UsesLibTorch => true;

    /// <summary>Runs the command; returns the exit code. Throw <see cref="UsageException"/> for bad arguments.</summary>
    protected abstract int Run(ParseResult parse);

    /// <summary>Adds options (or arguments) declared elsewhere, e.g. a shared option set.</summary>
    protected void AddAll(IEnumerable<Symbol> symbols)
    {
        foreach (var symbol in symbols)
            switch (symbol)
            {
                case Option option: Add(option); break;
                case Argument argument: Add(argument); break;
                default: throw new ArgumentException($"cannot add {symbol.GetType().Name} {symbol.Name} to a command");
            }
    }
}
