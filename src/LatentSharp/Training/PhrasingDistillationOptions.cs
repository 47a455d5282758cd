namespace LatentSharp.Training;

/// <summary>
/// Everything <c>sd train phrasings</c> needs to (re)build a run; saved as the run's run.json. The text encoder of
/// <see cref="BaseModel"/> (a shapes model) is fine-tuned so that its own, frozen U-Net reads every phrasing of a shapes
/// caption the way it reads the canonical caption (<see cref="PhrasingDistillationTrainer"/>); the rest of the model is
/// copied unchanged.
/// </summary>
public sealed record PhrasingDistillationOptions
{
    public required string BaseModel { get; init; }

    /// <summary>
    /// Weight of the terms that hold what already works: the canonical caption's clean estimate through the trained encoder
    /// to the teacher's (the same mean squared error per latent element as the phrasing term) and the empty caption's context
    /// to the original encoder's (per element).
    /// </summary>
    public double HoldWeight { get; init; } = 1.0;

    /// <summary>
    /// Which timesteps the noisy latents are drawn at. Default: the noisiest quarter four times as often as the rest,
    /// because that is where a shape's cell is decided (models/shapes-training/README.md, "sampling trajectories").
    /// </summary>
    public TimestepBias TimestepBias { get; init; } = new() { Strategy = TimestepBias.Later, Multiplier = 4, Portion = 0.25 };

    /// <summary>Share of the generated images with a small shape (null: half, as <c>sd data shapes</c>).</summary>
    public double? SmallShare { get; init; }

    /// <summary>Steps between measurements of each phrasing's distance to the canonical caption (eval.jsonl, eval.png); also one at the last step.</summary>
    public int EvaluateEvery { get; init; } = 100;

    public OptimizationOptions Optimization { get; init; } = Defaults;

    /// <summary>
    /// D2's recipe (models/shapes-training/README.md, "Phrasings distilled"): AdamW 3e-4 with the shared cosine decay, 800 steps
    /// of 16 images, no weight decay, no clipping, no average — the hold term is what steadies the weights, as in
    /// <c>sd train position-words</c>.
    /// </summary>
    public static OptimizationOptions Defaults => new()
    {
        Steps = 800, BatchSize = 16, LearningRate = 3e-4, WarmupSteps = 0, WeightDecay = 0, MaxGradNorm = 0, EmaDecay = 0,
        LogEvery = 25, SampleEvery = 400, CheckpointEvery = 100,
    };

    public PhrasingDistillationOptions Validate()
    {
        Optimization.Validate();
        TimestepBias.Validate();
        if (!(HoldWeight >= 0 && double.IsFinite(HoldWeight))) throw new LatentSharpException("phrasings: the hold weight must not be negative");
        if (SmallShare is { } small && !(small >= 0 && small <= 1)) throw new LatentSharpException("phrasings: the small share must be between 0 and 1");
        if (EvaluateEvery <= 0) throw new LatentSharpException("phrasings: the evaluation interval must be positive");
        return this;
    }
}
