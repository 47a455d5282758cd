using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.UNet;

/// <summary>The U-Net against diffusers 0.27.2 (unet_* fixture cases): output and every block's output.</summary>
public class UNetParityTests
{
    public static TheoryData<string, string> Cases => TinyModels.CasesWithModels("unet");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDiffusers(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        var unet = TinyModels.Get(modelName).Unet;
        var reference = Fixtures.Load(caseName);
        var blocks = new Dictionary<string, Tensor>();
        using var _ = no_grad();

        var sample = unet.Forward(reference["in.sample"], reference["in.timestep"], reference["in.encoder_hidden_states"], blocks);

        var actual = blocks.ToDictionary(kv => "dbg." + kv.Key, kv => kv.Value);
        actual["out.sample"] = sample;
        try
        {
            ParityCheck.AllReferenceTensors(caseName, reference, actual);
        }
        finally
        {
            foreach (var t in blocks.Values) t.Dispose();
        }
    }
}
