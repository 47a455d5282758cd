using LatentSharp.Schedulers;

namespace LatentSharp.Training;

/// <summary>
/// How a diffusion run on the shapes data measures prompt adherence while it trains (<c>--eval-every</c>):
/// every <see cref="Every"/> steps the EMA model draws the fixed <see cref="AdherenceProbe"/> prompts over
/// <see cref="Seeds"/> seeds and the shapes judge scores each attribute. The defaults (36 prompts × 2 seeds,
/// 25 steps of dpmpp_2m at guidance 5) take well under a minute for the shapes model on 2 CPU cores and are
/// <c>sd eval</c>'s sampling settings, so the curve's last point predicts the full evaluation.
/// </summary>
public sealed record AdherenceSettings
{
    /// <summary>Steps between evaluations (and one at the last step); 0 never evaluates.</summary>
    public int Every { get; init; }

    public int Prompts { get; init; } = AdherenceProbe.DefaultPrompts;
    public int Seeds { get; init; } = 2;
    public int Steps { get; init; } = 25;
    public double GuidanceScale { get; init; } = 5;
    public string Scheduler { get; init; } = "dpmpp_2m";

    public bool Enabled => Every > 0;

    public AdherenceSettings Validate()
    {
        if (Every < 0) throw new LatentSharpException($"the evaluation interval must not be negative (got {Every})");
        if (Prompts < 1 || Prompts > AdherenceProbe.MaxPrompts)
            throw new LatentSharpException($"the adherence evaluation takes 1 to {AdherenceProbe.MaxPrompts} prompts (got {Prompts})");
        if (Seeds < 1 || Seeds > 64) throw new LatentSharpException($"the adherence evaluation takes 1 to 64 seeds per prompt (got {Seeds})");
        if (Steps < 1 || Steps > 1000) throw new LatentSharpException($"evaluation steps must be between 1 and 1000 (got {Steps})");
        if (GuidanceScale < 0) throw new LatentSharpException($"the guidance scale must not be negative (got {GuidanceScale})");
        if (!SchedulerFactory.Names.Contains(Scheduler))
            throw new LatentSharpException($"unknown sampler '{Scheduler}' for the adherence evaluation ({string.Join(", ", SchedulerFactory.Names)})");
        return this;
    }
}
