using Spectre.Console;
using Spectre.Console.Rendering;

namespace LatentSharp.Cli;

/// <summary>
/// The one Spectre.Console live progress display on stderr that every <see cref="ProgressBar"/> on a terminal draws in:
/// it starts with the first bar and ends when the last is finished, so bars that overlap (parallel downloads, a
/// loading bar inside a command's bar) stack as rows instead of fighting over the terminal.
/// </summary>
static class LiveProgress
{
    static readonly Lock Gate = new();
    static ProgressContext? context;
    static Task? display;
    static TaskCompletionSource? allFinished;
    static int rows;

    public static bool IsActive
    {
        get { lock (Gate) return rows > 0; }
    }

    /// <summary>What the columns show beside Spectre's own fields (the task's Tag).</summary>
    sealed record Info(ProgressUnit Unit, double Start)
    {
        public volatile string Status = "";
    }

    /// <summary>A row of the display: one task.</summary>
    public sealed class Row(ProgressTask task)
    {
        public void SetTotal(long total)
        {
            task.IsIndeterminate = total <= 0;
            if (total > 0) task.MaxValue = total;
        }

        public void Report(long done, string status)
        {
            ((Info)task.Tag!).Status = status;
            task.Value = done;
        }

        public void Finish(long done, string status)
        {
            Report(done, status);
            task.StopTask();
            Remove();
        }
    }

    public static Row Add(string label, long total, long startAt, ProgressUnit unit)
    {
        lock (Gate)
        {
            if (rows++ == 0) Start();
            var task = context!.AddTask(Markup.Escape(label), autoStart: true, maxValue: Math.Max(total, 1));
            task.Tag = new Info(unit, startAt);
            task.Value = startAt;
            var row = new Row(task);
            row.SetTotal(total);
            return row;
        }
    }

    static void Start()
    {
        var ready = new TaskCompletionSource<ProgressContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        allFinished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = allFinished.Task;
        var progress = Terminal.Error.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new CountColumn(), new RateColumn(), new RemainingTimeColumn(), new ElapsedTimeColumn(), new StatusColumn());
        display = Task.Run(() => progress.StartAsync(async ctx =>
        {
            ready.SetResult(ctx);
            await finished;
            ctx.Refresh();
        }));
        context = ready.Task.GetAwaiter().GetResult();
    }

    static void Remove()
    {
        Task? ending = null;
        lock (Gate)
        {
            if (--rows == 0)
            {
                allFinished!.SetResult();
                ending = display;
                context = null;
            }
        }
        ending?.GetAwaiter().GetResult();
    }

    /// <summary>The row's info (a refresh can come between AddTask and setting the Tag).</summary>
    static Info Of(ProgressTask task) => task.Tag as Info ?? new Info(ProgressUnit.Items, 0);

    static ProgressUnit Unit(ProgressTask task) => Of(task).Unit;

    /// <summary>"12/25" or "1.20 GB/4.00 GB".</summary>
    sealed class CountColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Spectre.Console.Text(task.IsIndeterminate
                ? ProgressText.Amount(task.Value, Unit(task))
                : $"{ProgressText.Amount(task.Value, Unit(task))}/{ProgressText.Amount(task.MaxValue, Unit(task))}");
    }

    /// <summary>Items (or bytes) per second over this run, as the log lines give it.</summary>
    sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double seconds = task.ElapsedTime?.TotalSeconds ?? 0;
            double rate = seconds > 0 ? (task.Value - Of(task).Start) / seconds : 0;
            return new Spectre.Console.Text(ProgressText.Rate(rate, Unit(task)), new Style(Color.Grey));
        }
    }

    /// <summary>What the job says about itself: "loss 0.0123  41.2 samples/s".</summary>
    sealed class StatusColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Spectre.Console.Text(Of(task).Status);
    }
}
