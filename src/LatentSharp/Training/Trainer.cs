using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>How <see cref="Trainer.Train"/> ended.</summary>
public enum TrainingOutcome
{
    /// <summary>All steps are done.</summary>
    Completed,
    /// <summary>Cancelled; a checkpoint of the last completed step was written and the run can be resumed.</summary>
    Stopped,
}

/// <summary>Reported after every step.</summary>
/// <param name="Loss">Mean loss of the steps since the last log line.</param>
public sealed record TrainingProgress(long Step, long TotalSteps, double Loss, double LearningRate, double ExamplesPerSecond);

/// <summary>
/// What every training run does around its loss: step after step through <see cref="TrainingLoop"/> with
/// the step's own random generator (<see cref="StepRandom"/>), a log line every <c>log_every</c> steps,
/// a sample image every <c>sample_every</c>, a checkpoint every <c>checkpoint_every</c> and when
/// cancelled, and the loss curve at the end. Subclasses say what the loss and the samples are.
/// </summary>
public abstract class Trainer : IDisposable
{
    readonly TrainingLog log;
    // Throughput since the last log line, in this session only (time is not part of the run's state).
    double timedSeconds;
    int timedSteps;

    protected Trainer(TrainingRunFolder run, OptimizationOptions options, ModuleGroup trainable)
    {
        Run = run;
        Options = options.Validate();
        Trainable = trainable;
        Loop = new TrainingLoop(trainable, options);
        log = new TrainingLog(run.LogFile);
        State = new TrainingState { Seed = options.Seed };
    }

    public TrainingRunFolder Run { get; }
    public OptimizationOptions Options { get; }
    public TrainingState State { get; private set; }
    protected ModuleGroup Trainable { get; }
    protected TrainingLoop Loop { get; }

    /// <summary>The scalar loss of micro-batch <paramref name="microBatch"/> of <paramref name="step"/>, drawing only from <paramref name="random"/>.</summary>
    protected abstract Tensor Loss(long step, int microBatch, Generator random);

    /// <summary>Writes the run's sample image for the current weights (the averaged ones when the run keeps an average).</summary>
    protected abstract void WriteSamples(string path);

    /// <summary>Steps between the run's evaluations (also one at the last step); 0: the run has none besides its samples.</summary>
    protected virtual int EvaluateEvery => 0;

    /// <summary>Measures the current weights (the averaged ones when the run keeps an average) and records the result.</summary>
    protected virtual void WriteEvaluation() { }

    /// <summary>Title of the loss plot.</summary>
    protected abstract string Title { get; }

    /// <summary>Continues from the newest checkpoint in the run folder, if there is one.</summary>
    protected void RestoreCheckpoint()
    {
        var restored = TrainingCheckpoint.LoadLatest(Run.Checkpoints, Trainable, Loop);
        if (restored != null)
        {
            if (restored.Seed != Options.Seed)
                throw new LatentSharpException($"{Run.Checkpoints}: checkpoint seed {restored.Seed} differs from the run's {Options.Seed}");
            State = restored;
        }
    }

    /// <summary>A freshly built trainer moved to its run's newest checkpoint; disposed if that fails.</summary>
    protected static T Restored<T>(T trainer) where T : Trainer
    {
        try
        {
            trainer.RestoreCheckpoint();
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>Trains until the last step or until <paramref name="cancel"/> fires; either way the run ends on a checkpoint.</summary>
    public TrainingOutcome Train(Action<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(Run.Samples);
        log.TruncateAfter(State.Step);
        TrainingLog.TruncateAfter(Run.EvalLog, State.Step);
        var clock = new Stopwatch();
        while (State.Step < Options.Steps && !cancel.IsCancellationRequested)
        {
            long step = State.Step;
            clock.Restart();
            double loss = Loop.Step(step, m =>
            {
                using var random = StepRandom.For(Options.Seed, step, m);
                return Loss(step, m, random);
            });
            clock.Stop();
            Advance(loss, clock.Elapsed.TotalSeconds);
            progress?.Invoke(new TrainingProgress(State.Step, Options.Steps, State.PendingLossSum / State.PendingSteps,
                Loop.LearningRate(step), Throughput()));
            if (State.Step % Options.LogEvery == 0 || State.Step == Options.Steps) WriteLogLine(step);
            if (State.Step % Options.SampleEvery == 0 || State.Step == Options.Steps) Samples();
            if (EvaluateEvery > 0 && (State.Step % EvaluateEvery == 0 || State.Step == Options.Steps)) Evaluations();
            if (State.Step % Options.CheckpointEvery == 0) Checkpoint();
        }
        Checkpoint();
        TrainingLog.PlotLoss(State.LossHistory, Title, Run.LossPlot);
        return State.Step >= Options.Steps ? TrainingOutcome.Completed : TrainingOutcome.Stopped;
    }

    /// <summary>Writes a checkpoint of the current step (nothing if one exists already).</summary>
    public string Checkpoint() => TrainingCheckpoint.Save(Run.Checkpoints, State with { EmaUpdates = Loop.Ema?.Updates ?? 0 }, Trainable, Loop);

    /// <summary>
    /// Copies the averaged weights into <paramref name="target"/>, the networks that sample and export.
    /// Without an average there is nothing to copy: a trainer then samples and exports with the trained networks themselves.
    /// </summary>
    protected void CopyWeightsForInference(ModuleGroup target) => Loop.Ema?.CopyTo(target);

    void Samples()
    {
        using var _ = no_grad();
        WriteSamples(Run.SamplePath(State.Step));
    }

    void Evaluations()
    {
        using var _ = no_grad();
        WriteEvaluation();
    }

    void Advance(double loss, double seconds)
    {
        State = State with
        {
            Step = State.Step + 1,
            ExamplesSeen = State.ExamplesSeen + Options.ExamplesPerStep,
            TrainingSeconds = State.TrainingSeconds + seconds,
            PendingLossSum = State.PendingLossSum + loss,
            PendingSteps = State.PendingSteps + 1,
        };
        timedSeconds += seconds;
        timedSteps++;
    }

    double Throughput() => timedSteps * Options.ExamplesPerStep / Math.Max(1e-9, timedSeconds);

    void WriteLogLine(long step)
    {
        double mean = State.PendingLossSum / State.PendingSteps;
        log.Append(new TrainingLogEntry(State.Step, mean, Loop.LearningRate(step), Throughput(), State.TrainingSeconds));
        State = State with { LossHistory = [.. State.LossHistory, new LossPoint(State.Step, mean)], PendingLossSum = 0, PendingSteps = 0 };
        timedSeconds = 0;
        timedSteps = 0;
    }

    public virtual void Dispose()
    {
        Loop.Dispose();
        GC.SuppressFinalize(this);
    }
}
