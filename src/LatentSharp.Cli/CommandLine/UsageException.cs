namespace LatentSharp.Cli;

/// <summary>A usage mistake: shown to the user as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
