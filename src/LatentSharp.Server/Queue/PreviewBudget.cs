using System.Diagnostics;

namespace LatentSharp.Server.Queue;

/// <summary>
/// Decides when to spend a VAE decode on a live preview: only while someone watches the progress, and only when
/// the time spent on previews, counting the one about to be made (estimated from the last), stays within a share
/// of the job's time. A tiny model then previews every few steps, a full-size SD model (whose decode costs as much
/// as a few sampling steps) less often, and a job nobody watches pays nothing.
/// </summary>
internal sealed class PreviewBudget(double share)
{
    Stopwatch job = new();
    TimeSpan spent;
    TimeSpan lastCost;

    public void StartJob()
    {
        job = Stopwatch.StartNew();
        spent = TimeSpan.Zero;
    }

    public bool Allows(bool watched) =>
        watched && share > 0 && (spent + lastCost).TotalSeconds <= share * job.Elapsed.TotalSeconds;

    public void Spend(TimeSpan cost)
    {
        spent += cost;
        lastCost = cost;
    }
}
