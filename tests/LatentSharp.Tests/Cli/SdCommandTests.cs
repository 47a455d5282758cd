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
    sealed class Probe(bool usesLibTorch) : SdCommand("probe", "records LibTorch's NNPACK switch as Run sees it")
    {
        public bool? NnpackInRun { get; private set; }

        protected override bool UsesLibTorch => usesLibTorch;

        protected override int Run(ParseResult parse)
        {
            NnpackInRun = TorchRuntime.NnpackEnabled();
            return 0;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ACommandThatUsesLibTorchRunsWithNnpackOff(bool usesLibTorch)
    {
        if (OperatingSystem.IsWindows()) return;   // the switch is reached by its Itanium-ABI name only
        using var loaded = TorchSharp.torch.zeros(1);
        var probe = new Probe(usesLibTorch);
        try
        {
            TorchRuntime.SetNnpack(true);
            Assert.Equal(0, probe.Parse([]).Invoke());
            Assert.Equal(!usesLibTorch, probe.NnpackInRun);
        }
        finally
        {
            TorchRuntime.DisableNnpack();
        }
    }
}
