namespace LatentSharp.Training;

/// <summary>
/// Linear warm-up then cosine decay to zero — the schedule diffusers' training scripts call
/// "cosine" (get_cosine_schedule_with_warmup). Warm-up keeps AdamW's early, badly estimated second
/// moments from taking huge steps; the cosine tail lets the weights settle.
/// </summary>
internal sealed record LearningRateSchedule(double BaseRate, int WarmupSteps, int TotalSteps)
{
    public double At(int step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return BaseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
    }
}
