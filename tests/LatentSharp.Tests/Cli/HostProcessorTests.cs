using LatentSharp.Cli.Benchmarking;

namespace LatentSharp.Tests.Cli;

public class HostProcessorTests
{
    const string Xeon = """
        processor	: 0
        vendor_id	: GenuineIntel
        model name	: Intel(R) Xeon(R) Processor
        flags		: fpu sse2 avx2 avx512f avx512dq avx512_bf16 avx512_fp16
        
        processor	: 1
        model name	: Intel(R) Xeon(R) Processor
        flags		: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile
        """;

    [Fact]
    public void NamesTheFirstProcessorAndTheKernelsItsFlagsAllow()
    {
        Assert.Equal("Intel(R) Xeon(R) Processor; avx512f avx512_bf16", HostProcessor.FromCpuInfo(Xeon));
        // The order is the list's, not the flags line's.
        Assert.Equal("AMD EPYC 9R14; avx512f avx512_bf16",
            HostProcessor.FromCpuInfo("model name : AMD EPYC 9R14\nflags : avx512_bf16 sse2 avx512f\n"));
        Assert.Equal("Intel Xeon Platinum; avx512f avx512_bf16 amx_bf16",
            HostProcessor.FromCpuInfo("model name : Intel Xeon Platinum\nflags : amx_bf16 amx_tile avx512_bf16 avx512f\n"));
    }

    [Fact]
    public void SaysWhatIsMissing()
    {
        Assert.Equal("unknown processor; no avx512", HostProcessor.FromCpuInfo("processor : 0\nflags : sse2 avx2\n"));
        Assert.Equal("ARMv8; no avx512", HostProcessor.FromCpuInfo("model name : ARMv8\n"));
    }
}
