using LatentSharp.Autoencoder;
using LatentSharp.Text;
using LatentSharp.Training;
using LatentSharp.Shapes;
using LatentSharp.UNet;

namespace LatentSharp.Tests.Training;

/// <summary>Tiny data and networks that make a training run take a second or two.</summary>
public static class TinyTraining
{
    public const int Resolution = 32;

    /// <summary>Writes <paramref name="count"/> 32×32 shapes images with metadata.jsonl into <paramref name="folder"/>.</summary>
    public static string ShapesFolder(string folder, int count = 48)
    {
        ShapesDatasetWriter.Write(new ShapesDataset(seed: 5, imageSize: Resolution), count, folder);
        return folder;
    }

    /// <summary>A 4× autoencoder, 8 to 16 channels, 4 channels per normalisation group.</summary>
    public static AutoencoderKLConfig Vae => new()
    {
        BlockOutChannels = [8, 16, 16],
        DownBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
        UpBlockTypes = ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
        LayersPerBlock = 1,
        NormNumGroups = 2,
        SampleSize = Resolution,
    };

    /// <summary>An untrained autoencoder saved as a vae folder (its latents are as good as any for U-Net tests).</summary>
    public static string VaeFolder(string folder)
    {
        using var vae = new AutoencoderKL(Vae);
        WeightInitialization.Apply(vae, 11);
        AutoencoderFolder.Save(vae, folder);
        return folder;
    }

    public static UNet2DConditionConfig Unet => new()
    {
        SampleSize = Resolution / 4,
        BlockOutChannels = [16, 32],
        DownBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"],
        UpBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"],
        LayersPerBlock = 1,
        AttentionHeadDim = 2,
        CrossAttentionDim = 32,
        NormNumGroups = 8,
    };

    public static ClipTextConfig TextEncoder => new()
    {
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 1,
        NumAttentionHeads = 2,
        ProjectionDim = 32,
    };

    public static DiffusionTrainingOptions NewModel(string data, string vae, int steps) => new()
    {
        DataFolder = data,
        Vae = vae,
        Preprocessing = new ImagePreprocessing(Resolution),
        Unet = Unet,
        TextEncoder = TextEncoder,
        VocabSize = 600,
        Samples = new SampleSettings { Prompts = ["a large red circle in the center on a blue background", "a small white star at the top left on a black background"], Steps = 2 },
        Optimization = new OptimizationOptions
        {
            Steps = steps, BatchSize = 8, LearningRate = 2e-3, WarmupSteps = 2, EmaDecay = 0.99,
            LogEvery = 5, SampleEvery = 1000, CheckpointEvery = 1000, Seed = 7,
        },
    };
}
