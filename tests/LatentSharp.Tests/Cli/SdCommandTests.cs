using System.CommandLine;
using LatentSharp.Cli;
using LatentSharp.Performance;

namespace LatentSharp.Tests.Cli;

/// <summary>
/// Every command that computes with LibTorch gets LibTorch's process settings from SdCommand before its Run, so a
/// new command cannot forget them; one that says it never touches a tensor is left alone. Alone: it flips a switch
/// of LibTorch's process-wide context.
/// </summary>
[Collection("Alone")]
public class SdCommandTests
{
    sealed class Probe(bool usesLibTorch) : SdCommand("probe", "records LibTorch's NNPACK switch and denormal mode as Run sees them")
    {
        public bool? NnpackInRun { get; private set; }

        public bool FlushesDenormalsInRun { get; private set; }

        protected override bool UsesLibTorch => usesLibTorch;

        protected override int Run(ParseResult parse)
        {
            NnpackInRun = TorchRuntime.NnpackEnabled();
            FlushesDenormalsInRun = Performance.TorchRuntimeTests.FlushesDenormals();
            return 0;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ACommandThatUsesLibTorchRunsWithNnpackOffAndDenormalsFlushed(bool usesLibTorch)
    {
        if (OperatingSystem.IsWindows()) return;   // the switch is reached by its Itanium-ABI name only
        using var loaded = TorchSharp.torch.zeros(1);
        var probe = new Probe(usesLibTorch);
        try
        {
            TorchRuntime.SetNnpack(true);
            TorchRuntime.SetFlushDenormal(false);
            Assert.Equal(0, probe.Parse([]).Invoke());
            Assert.Equal(!usesLibTorch, probe.NnpackInRun);
            if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
                Assert.Equal(usesLibTorch, probe.FlushesDenormalsInRun);
        }
        finally
        {
            TorchRuntime.DisableNnpack();
            TorchRuntime.SetFlushDenormal(false);
        }
    }
}
