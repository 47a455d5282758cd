using LatentSharp.Cli.Benchmarking;
using LatentSharp.Performance;

namespace LatentSharp.Tests.Cli;

public class HostProcessorTests
{
    const string Xeon = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Processor
        flags		: fpu sse2 avx2 avx512f avx512dq avx512_bf16 avx512_fp16
        
        processor	: 1
        model name	: Intel(R) Xeon(R) Platinum
        flags		: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile
        """;

    [Fact]
    public void NamesTheFirstProcessorAndTheKernelsItsFeaturesAllow()
    {
        Assert.Equal("Intel(R) Xeon(R) Processor", HostProcessor.ModelName(Xeon));
        Assert.Equal("Intel(R) Xeon(R) Processor; avx512f avx512_bf16", HostProcessor.Format("Intel(R) Xeon(R) Processor", true, true, false));
        Assert.Equal("AMD EPYC 9R14; avx512f avx512_bf16", HostProcessor.Format("AMD EPYC 9R14", true, true, false));
        Assert.Equal("Intel Xeon Platinum; avx512f avx512_bf16 amx_bf16", HostProcessor.Format("Intel Xeon Platinum", true, true, true));
    }

    [Fact]
    public void SaysWhatIsMissing()
    {
        Assert.Null(HostProcessor.ModelName("processor : 0\nflags : sse2 avx2\n"));
        Assert.Equal("unknown processor; no avx512", HostProcessor.Format(null, false, false, false));
        Assert.Equal("ARMv8; no avx512", HostProcessor.Format(HostProcessor.ModelName("model name : ARMv8\n"), false, false, false));
    }

    [Fact]
    public void TheFeaturesAreTheOnesThePrecisionChoiceUses()
    {
        string features = HostProcessor.Format("cpu", CpuFeatures.HasAvx512F, CpuFeatures.HasAvx512Bf16, CpuFeatures.HasAmxBf16);
        Assert.Equal(CpuFeatures.HasBf16, features.Contains("bf16"));
    }
}
