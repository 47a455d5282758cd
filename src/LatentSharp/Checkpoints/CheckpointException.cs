namespace LatentSharp.Checkpoints;

/// <summary>
/// A model file cannot be used: corrupt, truncated, hostile, or not what was expected.
/// The message is one line that names the file and the fault, fit to show a user as it is.
/// </summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string path, string fault)
        : base($"{path}: {fault}") { Path = path; Fault = fault; }

    public string Path { get; }
    public string Fault { get; }
}
