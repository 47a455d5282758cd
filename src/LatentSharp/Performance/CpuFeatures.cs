using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Performance;

/// <summary>What the processor offers that LibTorch's CPU kernels can use (read with CPUID, once).</summary>
public static class CpuFeatures
{
    static readonly Lazy<(bool Avx512Bf16, bool AmxBf16)> bf16Units = new(DetectBf16Units);

    /// <summary>AVX-512 Foundation, which every AVX-512 kernel of oneDNN needs.</summary>
    public static bool HasAvx512F => Avx512F.IsSupported;

    /// <summary>AVX512_BF16's bfloat16 dot products (counted only with AVX-512 Foundation).</summary>
    public static bool HasAvx512Bf16 => bf16Units.Value.Avx512Bf16;

    /// <summary>AMX tiles with bfloat16 products.</summary>
    public static bool HasAmxBf16 => bf16Units.Value.AmxBf16;

    /// <summary>
    /// Native bfloat16 dot products (x86 AVX512_BF16 or AMX-BF16), which oneDNN needs for fast bf16
    /// convolutions and matrix products. Without them LibTorch emulates bf16 and runs slower than float32.
    /// </summary>
    public static bool HasBf16 => HasAvx512Bf16 || HasAmxBf16;

    static (bool Avx512Bf16, bool AmxBf16) DetectBf16Units()
    {
        if (!X86Base.IsSupported) return (false, false);
        var (maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
        if (maxLeaf < 7) return (false, false);
        var (_, _, _, leaf7Edx) = X86Base.CpuId(7, 0);
        var (leaf7Sub1Eax, _, _, _) = X86Base.CpuId(7, 1);
        const int Avx512Bf16Bit = 5, AmxBf16Bit = 22;
        return ((leaf7Sub1Eax >> Avx512Bf16Bit & 1) != 0 && Avx512F.IsSupported, (leaf7Edx >> AmxBf16Bit & 1) != 0);
    }
}
