namespace LatentSharp.Training;

/// <summary>Which layers a trained LoRA changes.</summary>
public enum LoraTargets
{
    /// <summary>The U-Net's attention projections: to_q, to_k, to_v, to_out.0 of self- and cross-attention.</summary>
    Attention,
    /// <summary>kohya's default set: the attention projections, the feed-forward layers and the transformers' proj_in / proj_out
    /// (and with the text encoder, its MLPs besides its attention).</summary>
    Transformer,
    /// <summary>
    /// kohya's LoCon set: the transformer layers plus the ResNet blocks' convolutions and time-embedding projections and
    /// the down- and upsamplers' convolutions — the layers that draw colour and texture, which attention alone reaches
    /// only through the cross-attention's output.
    /// </summary>
    Locon,
}

/// <summary>
/// Everything <c>sd train lora</c> needs to (re)build a run; saved as the run's run.json. The base model stays
/// frozen; the LoRA's matrices (rank <see cref="Rank"/>, factor <see cref="Alpha"/> / rank) are trained on the
/// U-Net layers <see cref="Targets"/> names and, with <see cref="TrainTextEncoder"/>, the text encoder's attention.
/// </summary>
public sealed record LoraTrainingOptions
{
    public required string DataFolder { get; init; }
    public required string BaseModel { get; init; }
    public ImagePreprocessing Preprocessing { get; init; } = new();
    public bool RandomFlip { get; init; }

    public int Rank { get; init; } = 4;

    /// <summary>kohya's network_alpha; null: the rank (factor 1).</summary>
    public double? Alpha { get; init; }

    public LoraTargets Targets { get; init; } = LoraTargets.Attention;

    /// <summary>Also train LoRA matrices on the text encoder's attention projections (q, k, v, out).</summary>
    public bool TrainTextEncoder { get; init; }

    /// <summary>
    /// A word of the captions to learn as a new token with the LoRA (<see cref="WordEmbedding"/>); null for none. The
    /// captions then tokenize it as one added token, and the run writes WORD.safetensors beside the LoRA.
    /// </summary>
    public string? NewWord { get; init; }

    /// <summary>The word whose token vectors start <see cref="NewWord"/>'s (their mean); null: the new word's own pieces.</summary>
    public string? NewWordInit { get; init; }

    public double CaptionDropout { get; init; } = 0.1;

    /// <summary>Min-SNR-γ loss weighting; null weighs every timestep alike.</summary>
    public double? SnrGamma { get; init; }

    /// <summary>
    /// The least weight any timestep's clean-latent error gets (as <see cref="DiffusionTrainingOptions.SnrFloor"/>): a new
    /// colour or layout is decided at the noisiest steps, which an ε loss barely trains.
    /// </summary>
    public double? SnrFloor { get; init; }

    public SampleSettings Samples { get; init; } = new();

    public OptimizationOptions Optimization { get; init; } = new() { EmaDecay = 0, LearningRate = 1e-3, WarmupSteps = 100, Steps = 2000, BatchSize = 16 };

    public double EffectiveAlpha => Alpha ?? Rank;

    public LoraTrainingOptions Validate()
    {
        if (Rank is < 1 or > 1024) throw new LatentSharpException($"the LoRA rank must be between 1 and 1024 (got {Rank})");
        if (Alpha is { } a && (!double.IsFinite(a) || a <= 0)) throw new LatentSharpException($"the LoRA alpha must be positive (got {a})");
        if (NewWord is { } word && (word.Length == 0 || word.Any(char.IsWhiteSpace)))
            throw new LatentSharpException($"--new-word must be one word without spaces (got '{word}')");
        if (NewWordInit is not null && NewWord is null) throw new LatentSharpException("--new-word-init needs --new-word");
        if (CaptionDropout is < 0 or > 1) throw new LatentSharpException($"caption dropout must be between 0 and 1 (got {CaptionDropout})");
        DiffusionObjective.ValidateWeighting(SnrGamma, SnrFloor);
        Optimization.Validate();
        Samples.Validate();
        return this;
    }
}
