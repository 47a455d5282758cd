namespace LatentSharp.Checkpoints;

/// <summary>One network of a checkpoint as stored: parameter count and the dtypes its weights are stored in.</summary>
public sealed record ComponentSummary(string Name, string ClassName, long Parameters, IReadOnlyList<string> StoredDtypes, string File);
