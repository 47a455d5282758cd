namespace LatentSharp.Server.Queue;

/// <summary>The queue already holds its limit of waiting jobs; the client should retry later (HTTP 503).</summary>
public sealed class QueueFullException(int capacity) : Exception($"the generation queue is full ({capacity} jobs waiting); retry later")
{
    public int Capacity { get; } = capacity;
}

/// <summary>The server is shutting down and takes no new jobs; the client should retry elsewhere or later (HTTP 503).</summary>
public sealed class ServerStoppingException() : Exception("the server is shutting down; retry later");
