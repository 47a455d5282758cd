namespace LatentSharp.Performance;

/// <summary>The precision a run asked for, the one it gets on this CPU, and why they differ.</summary>
/// <param name="Notice">One line for the user when <see cref="Effective"/> differs from <see cref="Requested"/>; otherwise null.</param>
public sealed record PrecisionChoice(Precision Requested, Precision Effective, string? Notice)
{
    /// <summary>bf16 where the CPU has native bf16 arithmetic, otherwise fp32 with a notice.</summary>
    public static PrecisionChoice For(Precision requested) => For(requested, CpuFeatures.HasBf16);

    /// <param name="cpuHasBf16">Whether the processor has native bf16 (see <see cref="CpuFeatures.HasBf16"/>).</param>
    public static PrecisionChoice For(Precision requested, bool cpuHasBf16) =>
        requested == Precision.Bf16 && !cpuHasBf16
            ? new(requested, Precision.Fp32, "this CPU has no native bfloat16 arithmetic (AVX512_BF16 or AMX); running in fp32")
            : new(requested, requested, null);
}
