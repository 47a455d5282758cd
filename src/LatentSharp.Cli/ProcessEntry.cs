namespace LatentSharp.Cli;

/// <summary>
/// The `sd` process's entry point (the project's StartupObject). What belongs to the process rather than to a run of a
/// command lives here, so that <see cref="Program.Main"/>, which tests call in-process with the console captured,
/// leaves their console writers in place.
/// </summary>
static class ProcessEntry
{
    static int Main(string[] argv)
    {
        WholeLineStandardError.Install();
        return Program.Main(argv);
    }
}
