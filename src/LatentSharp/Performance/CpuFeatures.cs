using System.Runtime.Intrinsics.X86;

namespace LatentSharp.Performance;

/// <summary>What the processor offers that LibTorch's CPU kernels can use.</summary>
public static class CpuFeatures
{
    static readonly Lazy<bool> bf16 = new(DetectBf16);

    /// <summary>
    /// Native bfloat16 dot products (x86 AVX512_BF16 or AMX-BF16), which oneDNN needs for fast bf16
    /// convolutions and matrix products. Without them LibTorch emulates bf16 and runs slower than float32.
    /// </summary>
    public static bool HasBf16 => bf16.Value;

    static bool DetectBf16()
    {
        if (!X86Base.IsSupported) return false;
        var (maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
        if (maxLeaf < 7) return false;
        var (_, _, _, leaf7Edx) = X86Base.CpuId(7, 0);
        var (leaf7Sub1Eax, _, _, _) = X86Base.CpuId(7, 1);
        const int Avx512Bf16Bit = 5, AmxBf16Bit = 22;
        bool avx512Bf16 = (leaf7Sub1Eax >> Avx512Bf16Bit & 1) != 0 && Avx512F.IsSupported;
        bool amxBf16 = (leaf7Edx >> AmxBf16Bit & 1) != 0;
        return avx512Bf16 || amxBf16;
    }
}
