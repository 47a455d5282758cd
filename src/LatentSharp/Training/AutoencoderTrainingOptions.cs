using LatentSharp.Autoencoder;

namespace LatentSharp.Training;

/// <summary>Everything <c>sd train vae</c> needs to (re)build a run; saved as the run's run.json.</summary>
public sealed record AutoencoderTrainingOptions
{
    public required string DataFolder { get; init; }
    public ImagePreprocessing Preprocessing { get; init; } = new();

    /// <summary>Mirror each training image with probability ½ (captions play no part here).</summary>
    public bool RandomFlip { get; init; }

    /// <summary>
    /// Share of training images recoloured by a random affine map per channel (<see cref="RandomRecolor"/>), so the
    /// autoencoder reproduces colours beyond its data's palette; 0 (the default) leaves the images as they are.
    /// </summary>
    public double RecolorProbability { get; init; }

    /// <summary>
    /// Train on random square crops of this side instead of whole images (null): the autoencoder is
    /// convolutional, so it learns from crops what it applies to whole images, at a fraction of the cost
    /// (the SD autoencoders were trained on 256² crops and are used at 512²). Evaluation uses whole images.
    /// </summary>
    public int? CropSize { get; init; }

    /// <summary>The autoencoder to train; null: <see cref="ShapesPresets.Vae"/> (or the base's, fine-tuning).</summary>
    public AutoencoderKLConfig? Vae { get; init; }

    /// <summary>An autoencoder folder (or a pipeline holding one) to fine-tune instead of starting from random weights.</summary>
    public string? BaseVae { get; init; }

    /// <summary>
    /// With <see cref="BaseVae"/>: train only the decoder (and its post-quantisation convolution). The encoder, and with
    /// it every latent and the scaling factor, stay as they were, so a U-Net trained on the base's latents works with
    /// the result unchanged — how Stability made sd-vae-ft-mse a drop-in replacement for SD's autoencoder.
    /// </summary>
    public bool DecoderOnly { get; init; }

    /// <summary>
    /// With <see cref="BaseVae"/>, the whole autoencoder trained: weight of a term that holds the encoder's latents
    /// (posterior means) to the base's on the images that were not recoloured — the squared distance, averaged over
    /// latent values. The palette's latents, and so the U-Nets trained on them, stay valid, while the encoder is free
    /// to give new colours latents of their own (which a frozen encoder cannot: it maps pink onto red). The scaling
    /// factor stays the base's. 0: off.
    /// </summary>
    public double KeepLatentsWeight { get; init; }

    /// <summary>
    /// With <see cref="KeepLatentsWeight"/>: also hold the decoder to the base's around the base's latents (with the same
    /// weight) — the L1
    /// distance of the two decoders' images for the kept images' base latents plus Gaussian noise of this standard
    /// deviation in the U-Net's units (latent × scaling factor). A U-Net never lands exactly on the encoder's latents,
    /// and a decoder retrained to draw every colour reads its near misses as in-between colours, where the base's
    /// snapped them to the palette. 0: off.
    /// </summary>
    public double KeepDecoderNoise { get; init; }

    /// <summary>The latents (and the scaling factor) are the base's: decoder-only, or held to them.</summary>
    public bool KeepsBaseLatents => DecoderOnly || KeepLatentsWeight > 0;

    /// <summary>
    /// Weight of the KL term against the per-image reconstruction sum, as the LDM autoencoders count it
    /// (1e-6 there): just enough to keep the latent scale bounded, far too little to blur.
    /// </summary>
    public double KlWeight { get; init; } = 1e-6;

    /// <summary>Images held out of training to measure reconstruction on (at most a fifth of the data).</summary>
    public int ValidationCount { get; init; } = 256;

    /// <summary>Also report how often <see cref="LatentSharp.Shapes.ShapesJudge"/> reads the same attributes from a reconstruction as from its original (shapes data).</summary>
    public bool JudgeShapes { get; init; }

    /// <summary>No weight average by default: the LDM autoencoders are trained without one.</summary>
    public OptimizationOptions Optimization { get; init; } = new() { EmaDecay = 0, LearningRate = 2e-3, WarmupSteps = 200 };

    public AutoencoderTrainingOptions Validate()
    {
        if (KlWeight < 0) throw new LatentSharpException($"the KL weight must not be negative (got {KlWeight})");
        if (RecolorProbability is < 0 or > 1) throw new LatentSharpException($"the recolour probability must be between 0 and 1 (got {RecolorProbability})");
        if (DecoderOnly && BaseVae is null) throw new LatentSharpException("training the decoder only needs a base autoencoder to fine-tune");
        if (KeepLatentsWeight < 0) throw new LatentSharpException($"the keep-latents weight must not be negative (got {KeepLatentsWeight})");
        if (KeepLatentsWeight > 0 && (BaseVae is null || DecoderOnly))
            throw new LatentSharpException("keeping the base's latents needs a base autoencoder whose encoder is trained (not decoder-only)");
        if (KeepDecoderNoise < 0) throw new LatentSharpException($"the keep-decoder noise must not be negative (got {KeepDecoderNoise})");
        if (KeepDecoderNoise > 0 && KeepLatentsWeight <= 0) throw new LatentSharpException("holding the decoder to the base's needs the latents kept too (a keep-latents weight)");
        if (ValidationCount < 0) throw new LatentSharpException($"the validation count must not be negative (got {ValidationCount})");
        var vae = (Vae ?? ShapesPresets.Vae(Preprocessing.Resolution)).Validate();
        if (CropSize is { } crop && (crop > Preprocessing.Resolution || crop % vae.DownscaleFactor != 0))
            throw new LatentSharpException($"the crop size must be a multiple of the downscale factor {vae.DownscaleFactor} and at most the resolution {Preprocessing.Resolution} (got {crop})");
        Optimization.Validate();
        return this;
    }
}
