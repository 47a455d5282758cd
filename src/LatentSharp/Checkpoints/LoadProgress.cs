namespace LatentSharp.Checkpoints;

/// <summary>How far loading a model's weights has come, in stored bytes read (for a progress bar).</summary>
public readonly record struct LoadProgress(long BytesRead, long TotalBytes);
