using System.Diagnostics;
using System.Globalization;

namespace LatentSharp.Cli;

/// <summary>What a <see cref="ProgressBar"/> counts: items (steps, images; rate in it/s) or bytes (downloads; MB/s).</summary>
public enum ProgressUnit { Items, Bytes }

/// <summary>
/// A progress bar on stderr with rate and ETA, for anything that takes more than a few seconds: sampling, training,
/// loading, downloads. On a terminal it is a Spectre.Console live bar (several at once stack); when stderr is redirected
/// (logs, CI) it prints a plain line every few seconds instead, so log files stay readable. Report from any thread.
/// </summary>
/// <example><code>
/// using var bar = new ProgressBar("download unet", totalBytes, unit: ProgressUnit.Bytes);
/// bar.Report(bytesSoFar);
/// </code></example>
public sealed class ProgressBar : IDisposable
{
    readonly string label;
    readonly ProgressUnit unit;
    readonly long startCount;
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly LiveProgress.Row? live;
    readonly TimeSpan logEvery = TimeSpan.FromSeconds(10);
    TimeSpan lastLog = TimeSpan.MinValue;
    long total, done, loggedDone = -1;
    string status = "";
    bool finished;

    /// <param name="total">The count at completion; 0 or less: not known yet (set <see cref="Total"/> later).</param>
    /// <param name="startAt">Where a resumed job starts (the rate counts only what this run did).</param>
    public ProgressBar(string label, long total, long startAt = 0, ProgressUnit unit = ProgressUnit.Items)
    {
        this.label = label;
        this.unit = unit;
        this.total = total;
        done = startCount = startAt;
        if (Terminal.ErrorIsInteractive) live = LiveProgress.Add(label, total, startAt, unit);
        else Log(force: true);
    }

    /// <summary>The count at completion; 0 while unknown (the bar then shows activity without a fraction).</summary>
    public long Total
    {
        get => total;
        set
        {
            total = value;
            live?.SetTotal(value);
        }
    }

    /// <summary>Marks progress; <paramref name="status"/> is shown after the rate (a loss, say).</summary>
    public void Report(long completed, string? status = null)
    {
        done = total > 0 ? Math.Min(completed, total) : completed;
        if (status != null) this.status = status;
        if (live != null) live.Report(done, this.status);
        else Log(force: total > 0 && done == total);
    }

    public void Increment(string? status = null) => Report(done + 1, status);

    /// <summary>Items (or bytes) per second since this bar started.</summary>
    public double Rate => (done - startCount) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);

    public TimeSpan Elapsed => clock.Elapsed;

    void Log(bool force)
    {
        if (!force && clock.Elapsed - lastLog < logEvery) return;
        if (force && loggedDone == done) return;
        lastLog = clock.Elapsed;
        loggedDone = done;
        Console.Error.WriteLine(LogLine());
    }

    /// <summary>"sampling 12/25 3.41 it/s ETA 0:04 0:03  loss 0.123": one line of a log.</summary>
    string LogLine()
    {
        double rate = Rate;
        string eta = rate > 0 && total > 0 && done < total ? ProgressText.Duration(TimeSpan.FromSeconds((total - done) / rate)) : "-";
        string count = total > 0 ? $"{ProgressText.Amount(done, unit)}/{ProgressText.Amount(total, unit)}" : ProgressText.Amount(done, unit);
        string percent = total > 0 ? $" {(100.0 * done / total).ToString("0", CultureInfo.InvariantCulture)}%" : "";
        return $"{label}{percent} {count} {ProgressText.Rate(rate, unit)} ETA {eta} {ProgressText.Duration(clock.Elapsed)}" +
               (status.Length > 0 ? "  " + status : "");
    }

    public void Dispose()
    {
        if (finished) return;
        finished = true;
        if (live != null) live.Finish(done, status);
        else Log(force: true);
    }
}
