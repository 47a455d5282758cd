namespace LatentSharp.Evaluation;

/// <summary>How <c>sd eval</c> samples: the targets are stated for guidance 5, 25 steps of dpmpp_2m, ≥ 4 seeds.</summary>
public sealed record EvalSettings
{
    public double GuidanceScale { get; init; } = 5;
    public int Steps { get; init; } = 25;
    public string Scheduler { get; init; } = "dpmpp_2m";

    /// <summary>Seeds per prompt: prompt k uses seeds FirstSeed + k·1000 + 0 … Seeds−1, one batched call.</summary>
    public int Seeds { get; init; } = 4;

    public long FirstSeed { get; init; } = 1;
}
