using LatentSharp.Tests.Support;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Tests.UNet;

/// <summary>The U-Net against diffusers 0.27.2 (unet_* fixture cases): output and every block's output.</summary>
public class UNetParityTests
{
    public static TheoryData<string, string> Cases => TinyModels.CasesWithModels("unet");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDiffusers(string caseName, string modelName) => CheckCase(TinyModels.Get(modelName).Unet, caseName);

    /// <summary>
    /// Runs <paramref name="unet"/> on a case's inputs and checks its output and every block's output against the reference;
    /// <paramref name="inspect"/> sees the block outputs and the output first.
    /// </summary>
    internal static void CheckCase(UNet2DConditionModel unet, string caseName, Action<IReadOnlyDictionary<string, Tensor>, Tensor>? inspect = null)
    {
        using var scope = NewDisposeScope();
        var reference = Fixtures.Load(caseName);
        var blocks = new Dictionary<string, Tensor>();
        using var _ = no_grad();

        var sample = unet.Forward(reference["in.sample"], reference["in.timestep"], reference["in.encoder_hidden_states"], blocks);
        try
        {
            inspect?.Invoke(blocks, sample);
            var actual = blocks.ToDictionary(kv => "dbg." + kv.Key, kv => kv.Value);
            actual["out.sample"] = sample;
            ParityCheck.AllReferenceTensors(caseName, reference, actual);
        }
        finally
        {
            foreach (var t in blocks.Values) t.Dispose();
        }
    }
}
