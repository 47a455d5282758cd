namespace LatentSharp.Training;

/// <summary>A logged point of the loss curve: the mean loss of the steps since the previous point.</summary>
public sealed record LossPoint(long Step, double Loss);

/// <summary>
/// The bookkeeping a checkpoint stores beside the weights, optimizer and EMA: where the run is and how it
/// got there. The data order and every random draw follow from (seed, step), so no generator state is kept.
/// </summary>
public sealed record TrainingState
{
    /// <summary>Optimizer steps completed.</summary>
    public long Step { get; init; }

    public ulong Seed { get; init; }

    /// <summary>Examples drawn so far (the position in the data order).</summary>
    public long ExamplesSeen { get; init; }

    /// <summary>Wall time spent in training steps over all sessions of the run.</summary>
    public double TrainingSeconds { get; init; }

    public long EmaUpdates { get; init; }

    public IReadOnlyList<LossPoint> LossHistory { get; init; } = [];

    /// <summary>Sum of the losses since the last logged point, and how many steps it holds (so a resumed run logs the same means).</summary>
    public double PendingLossSum { get; init; }
    public int PendingSteps { get; init; }
}
