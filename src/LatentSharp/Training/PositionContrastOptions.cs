namespace LatentSharp.Training;

/// <summary>Which two cells a training pair of <see cref="PositionContrastTrainer"/> names.</summary>
public enum PositionPairs
{
    /// <summary>The second cell differs in the row only or in the column only (half each), so neither axis can meet the margin through the other.</summary>
    Axis,
    /// <summary>The second cell is any of the eight others.</summary>
    Any,
}

/// <summary>
/// Everything <c>sd train position-words</c> needs to (re)build a run; saved as the run's run.json. The text encoder of
/// <see cref="BaseModel"/> is fine-tuned so that shapes captions differing only in their position words give contexts at
/// least <see cref="Margin"/> apart, while every caption's context stays near the original encoder's
/// (<see cref="DistillationWeight"/>). The rest of the model is copied unchanged.
/// </summary>
public sealed record PositionContrastOptions
{
    public required string BaseModel { get; init; }

    /// <summary>
    /// The context distance (L2 over the whole [77, D] output) pairs should reach; null: the base encoder's mean distance
    /// between captions that differ only in the colour word, a word the U-Net does follow. A new run records the value it
    /// resolved, so a resumed run trains toward the same one.
    /// </summary>
    public double? Margin { get; init; }

    /// <summary>Weight of the squared distance to the original encoder's context, in units of the margin².</summary>
    public double DistillationWeight { get; init; } = 1.0;

    public PositionPairs Pairs { get; init; } = PositionPairs.Axis;

    /// <summary>Steps between measurements of the context distances (eval.jsonl, eval.png); also one at the last step.</summary>
    public int EvaluateEvery { get; init; } = 100;

    public OptimizationOptions Optimization { get; init; } = Defaults;

    /// <summary>
    /// The lab's settings that gave issue 12's encoders: constant-ish AdamW 1e-4 (here with the shared cosine decay),
    /// batch 32 pairs, no weight decay, no clipping, no average — the distillation term is what holds the weights.
    /// </summary>
    public static OptimizationOptions Defaults => new()
    {
        Steps = 800, BatchSize = 32, LearningRate = 1e-4, WarmupSteps = 0, WeightDecay = 0, MaxGradNorm = 0, EmaDecay = 0,
        LogEvery = 25, SampleEvery = 400, CheckpointEvery = 200,
    };

    public PositionContrastOptions Validate()
    {
        Optimization.Validate();
        if (Margin is { } m && !(m > 0 && double.IsFinite(m))) throw new LatentSharpException("position-words: the margin must be a positive number");
        if (!(DistillationWeight >= 0 && double.IsFinite(DistillationWeight))) throw new LatentSharpException("position-words: the distillation weight must not be negative");
        if (EvaluateEvery <= 0) throw new LatentSharpException("position-words: the evaluation interval must be positive");
        return this;
    }
}
