using LatentSharp.Performance;

namespace LatentSharp.Cli.Generation;

/// <summary>The <c>--precision fp32|bf16</c> option shared by the generation and benchmark commands.</summary>
public static class PrecisionOption
{
    public static Precision Read(Arguments args, Precision fallback = Precision.Fp32)
    {
        string? text = args.String("precision");
        if (text is null) return fallback;
        return PrecisionNames.TryParse(text)
            ?? throw new UsageException($"--precision must be one of {string.Join(", ", PrecisionNames.All)} (got '{text}')");
    }
}
