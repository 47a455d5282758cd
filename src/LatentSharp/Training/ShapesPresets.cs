using LatentSharp.Autoencoder;
using LatentSharp.Schedulers;
using LatentSharp.Text;
using LatentSharp.Shapes;
using LatentSharp.UNet;

namespace LatentSharp.Training;

/// <summary>
/// Default sizes for models trained on the 64×64 shapes data (the README's training section gives the
/// measurements behind them). Every value can be replaced by a config.json-format file.
/// </summary>
internal static class ShapesPresets
{
    /// <summary>
    /// A 4× autoencoder: 64×64×3 images to 16×16×4 latents, so a small (14 px) shape still spans 3–4 latent
    /// pixels. Four channels per normalisation group: with one channel per group (instance norm) the decoder
    /// cannot carry a flat image's colour through its last normalisation, and reconstructions come out in
    /// the wrong colours with bright edges.
    /// </summary>
    public static AutoencoderKLConfig Vae(int resolution = ShapesDataset.ReferenceSize) => new()
    {
        BlockOutChannels = [16, 32, 64],
        DownBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
        UpBlockTypes = ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
        LayersPerBlock = 1,
        LatentChannels = 4,
        NormNumGroups = 4,
        SampleSize = resolution,
        ScalingFactor = 1.0,
    };

    /// <summary>A small CLIP text transformer; vocabulary and special-token ids are filled in from the trained tokenizer.</summary>
    public static ClipTextConfig TextEncoder { get; } = new()
    {
        HiddenSize = 128,
        IntermediateSize = 512,
        NumHiddenLayers = 3,
        NumAttentionHeads = 4,
        ProjectionDim = 128,
        MaxPositionEmbeddings = ClipTokenizerConfig.ClipMaxLength,
        HiddenAct = "quick_gelu",
        TorchDtype = "float32",
    };

    /// <summary>Three levels with cross-attention on the lower two.</summary>
    public static UNet2DConditionConfig Unet(int latentSide, int crossAttentionDim) => new()
    {
        SampleSize = latentSide,
        BlockOutChannels = [64, 128, 128],
        DownBlockTypes = ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        UpBlockTypes = ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
        LayersPerBlock = 1,
        AttentionHeadDim = 4,
        CrossAttentionDim = crossAttentionDim,
        NormNumGroups = 32,
    };

    /// <summary>
    /// Stable Diffusion's noise schedule (scaled-linear β from 0.00085 to 0.012 over 1000 steps) with
    /// DPM-Solver++(2M) for sampling and "trailing" spacing, so a short run starts from pure noise at t = 999.
    /// </summary>
    public static SchedulerConfig Scheduler(string predictionType) => new()
    {
        ClassName = "DPMSolverMultistepScheduler",
        DiffusersVersion = "0.27.2",
        NumTrainTimesteps = 1000,
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        BetaSchedule = "scaled_linear",
        PredictionType = predictionType,
        AlgorithmType = "dpmsolver++",
        SolverOrder = 2,
        SolverType = "midpoint",
        LowerOrderFinal = true,
        TimestepSpacing = "trailing",
        // Trailing spacing ignores steps_offset; 1 is what diffusers' StableDiffusionPipeline expects of every
        // scheduler config (it warns that any other value is outdated).
        StepsOffset = 1,
        ClipSample = false,
        Thresholding = false,
        UseKarrasSigmas = false,
    };

    /// <summary>
    /// Eight canonical captions covering every shape, colour, size and background at several positions,
    /// the last two with shape/colour pairs held out of the training data (do they compose?).
    /// </summary>
    public static IReadOnlyList<string> SamplePrompts { get; } =
    [
        new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, GridPosition.Center).CanonicalCaption,
        new ShapeSpec(ShapeKind.Square, ShapeColor.Yellow, ShapeColor.Black, ShapeSize.Small, GridPosition.TopLeft).CanonicalCaption,
        new ShapeSpec(ShapeKind.Triangle, ShapeColor.Green, ShapeColor.White, ShapeSize.Large, GridPosition.Bottom).CanonicalCaption,
        new ShapeSpec(ShapeKind.Star, ShapeColor.Orange, ShapeColor.Purple, ShapeSize.Large, GridPosition.Right).CanonicalCaption,
        new ShapeSpec(ShapeKind.Cross, ShapeColor.Blue, ShapeColor.Yellow, ShapeSize.Small, GridPosition.BottomRight).CanonicalCaption,
        new ShapeSpec(ShapeKind.Ring, ShapeColor.White, ShapeColor.Red, ShapeSize.Large, GridPosition.Left).CanonicalCaption,
        new ShapeSpec(ShapeKind.Triangle, ShapeColor.Purple, ShapeColor.Green, ShapeSize.Large, GridPosition.Center).CanonicalCaption,
        new ShapeSpec(ShapeKind.Star, ShapeColor.Green, ShapeColor.Black, ShapeSize.Large, GridPosition.TopRight).CanonicalCaption,
    ];
}
