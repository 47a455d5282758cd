namespace LatentSharp.Cli;

/// <summary>
/// One `sd` sub-command. Implementations are found by reflection, so a new command is one new file in
/// Commands/. Name may contain a space for nested commands ("train vae", "data shapes").
/// </summary>
public interface ICommand
{
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Full usage text for `sd NAME --help`.</summary>
    string Usage { get; }

    /// <summary>Runs the command; returns the exit code. Throw UsageException for bad arguments.</summary>
    int Run(Arguments args);
}
