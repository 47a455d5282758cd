namespace LatentSharp.Server.Queue;

/// <summary>The queue already holds its limit of waiting jobs; the client should retry later (HTTP 503).</summary>
public sealed class QueueFullException(int capacity) : Exception($"the generation queue is full ({capacity} jobs waiting); retry later")
{
    public int Capacity { get; } = capacity;
}
