using LatentSharp.Schedulers;
using LatentSharp.Text;
using LatentSharp.UNet;

namespace LatentSharp.Training;

/// <summary>
/// Everything <c>sd train unet</c> needs to (re)build a run; saved as the run's run.json, so <c>--resume</c>
/// continues exactly the same run. Either <see cref="BaseModel"/> (fine-tuning: its VAE, tokenizer, noise
/// schedule and frozen text encoder; its U-Net as the starting point unless <see cref="Unet"/> is given)
/// or <see cref="Vae"/> (an own model: a text encoder and tokenizer trained from scratch on the captions).
/// </summary>
public sealed record DiffusionTrainingOptions
{
    public required string DataFolder { get; init; }
    public ImagePreprocessing Preprocessing { get; init; } = new();

    /// <summary>Also train on mirror images (with "left" and "right" swapped in their captions).</summary>
    public bool RandomFlip { get; init; }

    /// <summary>A Stable Diffusion pipeline folder or single file to fine-tune.</summary>
    public string? BaseModel { get; init; }

    /// <summary>An autoencoder folder (see <see cref="AutoencoderFolder"/>), for models trained from scratch.</summary>
    public string? Vae { get; init; }

    /// <summary>The U-Net to train from scratch; null: the base model's U-Net, else <see cref="ShapesPresets.Unet"/>.</summary>
    public UNet2DConditionConfig? Unet { get; init; }

    /// <summary>The text encoder trained from scratch (its vocabulary and special ids are set from the trained tokenizer).</summary>
    public ClipTextConfig? TextEncoder { get; init; }

    /// <summary>Size of the byte-pair vocabulary learned from the captions (from-scratch text encoders).</summary>
    public int VocabSize { get; init; } = 1000;

    /// <summary>
    /// Peak learning rate of the text encoder, as kohya's <c>--text_encoder_lr</c>. A new model: null trains it at the
    /// U-Net's rate, 0 keeps it at its initial weights. Fine-tuning: null or 0 keep the base model's frozen, a positive
    /// rate trains it too (kohya's <c>--train_text_encoder</c>). Trained at the U-Net's rate from scratch, the text encoder
    /// makes the words the U-Net does not read yet nearly identical in its output, and they then never get read (issue
    /// 12: one position axis); a base model's encoder whose position words collapsed so is why they need training.
    /// </summary>
    public double? TextEncoderLearningRate { get; init; }

    /// <summary>Share of captions replaced by the empty prompt, which teaches the unconditional prediction classifier-free guidance needs.</summary>
    public double CaptionDropout { get; init; } = 0.1;

    /// <summary><c>epsilon</c> or <c>v_prediction</c>.</summary>
    public string PredictionType { get; init; } = DiffusionObjective.Epsilon;

    /// <summary>
    /// The noise schedule trained on and exported (its <c>prediction_type</c> is replaced by <see cref="PredictionType"/>);
    /// null: the base model's, else <see cref="ShapesPresets.Scheduler"/>.
    /// </summary>
    public SchedulerConfig? Scheduler { get; init; }

    /// <summary>Min-SNR-γ loss weighting (γ = 5 in its paper); null weighs every timestep alike.</summary>
    public double? SnrGamma { get; init; }

    /// <summary>
    /// The least weight any timestep's clean-latent error gets (see <see cref="DiffusionObjective.Loss"/>); null: none,
    /// so an ε loss gives the noisiest timesteps almost no say in where the shape goes.
    /// </summary>
    public double? SnrFloor { get; init; }

    /// <summary>Which timesteps are drawn more often than the others; by default all alike.</summary>
    public TimestepBias TimestepBias { get; init; } = new();

    /// <summary>Coarse noise added to the training noise (off by default).</summary>
    public MultiresNoise MultiresNoise { get; init; } = new();

    /// <summary>The noisiest inputs made from a rolled copy of the clean latent, so the layout comes from the caption (off by default).</summary>
    public LayoutShift LayoutShift { get; init; } = new();

    public SampleSettings Samples { get; init; } = new();

    /// <summary>Prompt adherence measured during training (shapes data only); off unless <see cref="AdherenceSettings.Every"/> is set.</summary>
    public AdherenceSettings Evaluation { get; init; } = new();

    public OptimizationOptions Optimization { get; init; } = new();

    public DiffusionTrainingOptions Validate()
    {
        if ((BaseModel is null) == (Vae is null))
            throw new LatentSharpException("give either a base model to fine-tune or an autoencoder to train a new model on (not both)");
        if (BaseModel != null && TextEncoder != null)
            throw new LatentSharpException("a fine-tuned model keeps its base model's text encoder; a text encoder config applies to new models only");
        if (TextEncoderLearningRate is < 0 || TextEncoderLearningRate is { } te && !double.IsFinite(te))
            throw new LatentSharpException($"the text encoder's learning rate must be finite and not negative (got {TextEncoderLearningRate})");
        if (CaptionDropout is < 0 or > 1) throw new LatentSharpException($"caption dropout must be between 0 and 1 (got {CaptionDropout})");
        DiffusionObjective.ValidateWeighting(SnrGamma, SnrFloor);
        if (VocabSize < BpeTrainer.BaseVocabSize) throw new LatentSharpException($"the vocabulary needs at least {BpeTrainer.BaseVocabSize} tokens (got {VocabSize})");
        TimestepBias.Validate();
        MultiresNoise.Validate();
        LayoutShift.Validate();
        Optimization.Validate();
        Samples.Validate();
        Evaluation.Validate();
        if (Scheduler?.RescaleBetasZeroSnr == true && PredictionType == DiffusionObjective.Epsilon)
            throw new LatentSharpException("a zero-terminal-SNR schedule (rescale_betas_zero_snr) needs v_prediction: at the last timestep there is no signal, so predicting the noise says nothing about the image");
        return this;
    }
}
