using System.Globalization;
using System.Runtime.InteropServices;
using LatentSharp.Training;

namespace LatentSharp.Cli.Training;

/// <summary>
/// Runs a trainer from the console: a progress bar (step, loss, it/s, ETA, samples/s), and Ctrl-C or
/// SIGTERM (a `kill` of a nohup'd run) end the run after the current step with a checkpoint. A second
/// Ctrl-C aborts at once.
/// </summary>
public static class TrainingConsole
{
    /// <param name="exportOnly">Skip training and run <paramref name="export"/> on the restored checkpoint.</param>
    /// <returns>The exit code: 0 when all steps are done, 130 when stopped early (resumable).</returns>
    public static int Run(Trainer trainer, string label, string resumeHint, bool exportOnly, Action export)
    {
        if (exportOnly)
        {
            Console.WriteLine($"{label}: exporting step {trainer.State.Step}/{trainer.Options.Steps}");
            export();
            return 0;
        }
        using var stop = new CancellationTokenSource();
        void RequestStop()
        {
            if (stop.IsCancellationRequested) return;
            Terminal.Note($"{label}: stopping after this step and writing a checkpoint (Ctrl-C again to abort)");
            stop.Cancel();
        }
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = !stop.IsCancellationRequested;
            RequestStop();
        };
        Console.CancelKeyPress += onCtrlC;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            RequestStop();
        });
        TrainingOutcome outcome;
        try
        {
            using var bar = new ProgressBar(label, trainer.Options.Steps, trainer.State.Step);
            outcome = trainer.Train(p => bar.Report(p.Step,
                $"loss {p.Loss.ToString("F4", CultureInfo.InvariantCulture)}  {p.ExamplesPerSecond.ToString("F1", CultureInfo.InvariantCulture)} samples/s"), stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
        var state = trainer.State;
        Console.WriteLine($"{label}: step {state.Step}/{trainer.Options.Steps}, {state.ExamplesSeen} examples, " +
                          $"{TimeSpan.FromSeconds(state.TrainingSeconds):h\\:mm\\:ss} of training; run folder {trainer.Run.Root}");
        if (outcome == TrainingOutcome.Stopped)
        {
            Console.WriteLine($"{label}: stopped; continue with: {resumeHint}");
            return 130;
        }
        export();
        return 0;
    }

    /// <summary>Prints a library message (data counts, the vocabulary learned, ...).</summary>
    public static void Report(string message) => Terminal.WriteLine(message);
}
