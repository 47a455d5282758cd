using System.Diagnostics;

namespace LatentSharp.Server.Queue;

/// <summary>
/// Decides when to spend a VAE decode on a live preview: whenever the time spent on previews so far is
/// within a share of the job's time. A tiny model then previews every step, while a full-size SD model,
/// whose decode costs as much as a few sampling steps, previews every few steps.
/// </summary>
internal sealed class PreviewBudget(double share)
{
    readonly Stopwatch job = Stopwatch.StartNew();
    TimeSpan spent;

    public bool Allows() => share > 0 && spent.TotalSeconds <= share * job.Elapsed.TotalSeconds;

    public void Spend(TimeSpan time) => spent += time;
}
