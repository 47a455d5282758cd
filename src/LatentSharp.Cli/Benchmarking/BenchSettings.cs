using LatentSharp.Performance;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>What `sd bench` measures: the parts, how often, with how many threads.</summary>
public sealed record BenchSettings
{
    public static IReadOnlyList<string> AllParts { get; } = ["text", "unet", "step", "scheduler", "vae", "image"];

    public required string Model { get; init; }
    public string? Tokenizer { get; init; }
    public required IReadOnlyList<int> Sizes { get; init; }
    public required IReadOnlyList<Precision> Precisions { get; init; }
    public required int Threads { get; init; }
    public required int Repeats { get; init; }

    /// <summary>Guided sampling steps of the end-to-end image (each is one batch-2 U-Net pass).</summary>
    public required int Steps { get; init; }

    /// <summary>Guidance scale of the end-to-end image; at ≤ 1 a step is one batch-1 U-Net pass (SDXL-Turbo's setting).</summary>
    public double GuidanceScale { get; init; } = 7.5;

    public required IReadOnlySet<string> Parts { get; init; }

    /// <summary>Decode in tiles of this many latent pixels (see VaeTileOption); null: untiled.</summary>
    public int? VaeTile { get; init; }
    public bool Runs(string part) => Parts.Contains(part);
}
