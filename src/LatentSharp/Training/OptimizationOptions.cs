namespace LatentSharp.Training;

/// <summary>
/// How a run optimises, whatever it trains: AdamW with linear warm-up and cosine decay, gradient-norm
/// clipping, gradient accumulation, an optional EMA of the weights, and how often it logs, samples and
/// checkpoints. As in diffusers' training scripts the batch size is per forward pass; one optimizer step
/// sees <see cref="BatchSize"/> × <see cref="GradientAccumulation"/> examples.
/// </summary>
public sealed record OptimizationOptions
{
    public int Steps { get; init; } = 10_000;
    public int BatchSize { get; init; } = 32;
    public int GradientAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 5e-4;
    public int WarmupSteps { get; init; } = 500;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gradients are rescaled to at most this global L2 norm; 0 turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Largest decay of the weights' exponential moving average; 0 keeps no average.</summary>
    public double EmaDecay { get; init; } = 0.9999;

    /// <summary>Fixes the initial weights, the data order and every random draw of every step.</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// LibTorch's intra-op thread count the run trains with. A resumed run takes the same count: the order of
    /// parallel reductions, hence the last bits of every step, depends on it. Null in runs recorded before it was kept.
    /// </summary>
    public int? Threads { get; init; }

    public int LogEvery { get; init; } = 50;
    public int SampleEvery { get; init; } = 1000;
    public int CheckpointEvery { get; init; } = 500;

    public int ExamplesPerStep => BatchSize * GradientAccumulation;

    public OptimizationOptions Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new LatentSharpException($"training options: {what}");
        }
        Require(Steps > 0 && BatchSize > 0 && GradientAccumulation > 0, "steps, batch size and gradient accumulation must be positive");
        Require(LearningRate > 0 && WarmupSteps >= 0, "the learning rate must be positive and the warm-up not negative");
        Require(AdamBeta1 is >= 0 and < 1 && AdamBeta2 is >= 0 and < 1 && AdamEpsilon > 0, "Adam's betas must be in [0, 1) and its epsilon positive");
        Require(WeightDecay >= 0 && MaxGradNorm >= 0, "weight decay and the gradient-norm limit must not be negative");
        Require(EmaDecay is >= 0 and < 1, "the EMA decay must be in [0, 1)");
        Require(LogEvery > 0 && SampleEvery > 0 && CheckpointEvery > 0, "log, sample and checkpoint intervals must be positive");
        Require(Threads is null or > 0, "the thread count must be positive");
        return this;
    }
}
