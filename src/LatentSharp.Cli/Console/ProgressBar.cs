using System.Diagnostics;
using System.Globalization;

namespace LatentSharp.Cli;

/// <summary>
/// A one-line progress bar on stderr: "label  [#####.....]  12/25  3.41 it/s  ETA 0:04  loss 0.123".
/// Redrawn in place on a terminal (at most ~10 times a second); when stderr is redirected (logs, CI)
/// it prints a plain line every few seconds instead, so log files stay readable.
/// </summary>
public sealed class ProgressBar : IDisposable
{
    readonly string label;
    readonly long total;
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly bool interactive = !Console.IsErrorRedirected;
    readonly TimeSpan redrawEvery;
    TimeSpan lastDraw = TimeSpan.MinValue;
    long done, startCount, drawnDone = -1;
    string extra = "";
    bool finished;

    public ProgressBar(string label, long total, long startAt = 0)
    {
        this.label = label;
        this.total = Math.Max(1, total);
        done = startCount = startAt;
        redrawEvery = interactive ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(10);
        Draw(force: true);
    }

    /// <summary>Marks progress; <paramref name="status"/> is shown after the rate (a loss, say).</summary>
    public void Report(long completed, string? status = null)
    {
        done = Math.Min(completed, total);
        if (status != null) extra = status;
        Draw(force: done == total);
    }

    public void Increment(string? status = null) => Report(done + 1, status);

    public double ItemsPerSecond => (done - startCount) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);

    public TimeSpan Elapsed => clock.Elapsed;

    void Draw(bool force)
    {
        if (!force && clock.Elapsed - lastDraw < redrawEvery) return;
        if (force && !interactive && drawnDone == done) return;
        lastDraw = clock.Elapsed;
        drawnDone = done;
        double rate = ItemsPerSecond;
        string eta = rate > 0 && done < total ? Format(TimeSpan.FromSeconds((total - done) / rate)) : "-";
        string rateText = rate >= 1 || rate == 0
            ? $"{rate.ToString("F2", CultureInfo.InvariantCulture)} it/s"
            : $"{(1 / rate).ToString("F2", CultureInfo.InvariantCulture)} s/it";
        const int width = 24;
        int filled = (int)(width * done / total);
        string line = $"{label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} {rateText} " +
                      $"ETA {eta} {Format(clock.Elapsed)}{(extra.Length > 0 ? "  " + extra : "")}";
        if (interactive) Console.Error.Write("\r" + line.PadRight(Math.Max(line.Length, SafeWidth() - 1)));
        else Console.Error.WriteLine(line);
    }

    static int SafeWidth()
    {
        try { return Console.WindowWidth; } catch (IOException) { return 80; }
    }

    static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");

    public void Dispose()
    {
        if (finished) return;
        finished = true;
        Draw(force: true);
        if (interactive) Console.Error.WriteLine();
    }
}
