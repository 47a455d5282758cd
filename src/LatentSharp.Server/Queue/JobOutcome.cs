using LatentSharp.Imaging;

namespace LatentSharp.Server.Queue;

/// <summary>The images of a finished job, in seed order. An interrupted job has the partly denoised images of its last run, or none.</summary>
public sealed record JobOutcome(IReadOnlyList<GeneratedImage> Images, bool Interrupted);

/// <summary>One image with the parameters that reproduce it (its PNG infotext).</summary>
public sealed record GeneratedImage(RgbImage Image, GenerationParameters Parameters)
{
    public long Seed => Parameters.Seed ?? 0;

    /// <summary>The PNG, carrying its parameters as AUTOMATIC1111 writes them.</summary>
    public byte[] EncodePng() => PngWriter.Encode(Image, [new(PngMetadata.ParametersKey, Parameters.Format())]);
}
