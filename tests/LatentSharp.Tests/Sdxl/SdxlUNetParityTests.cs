using LatentSharp.Tests.Support;
using LatentSharp.UNet;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Sdxl;

/// <summary>
/// The SDXL U-Net against diffusers 0.27.2 (sdxl_unet_* cases): per-block transformer depths, linear projections
/// and the text_time added embedding (dbg.add_time_proj, dbg.add_embedding, dbg.emb), from the folder and the single file.
/// </summary>
public class SdxlUNetParityTests
{
    public static TheoryData<string, string> Cases => TinyModels.CasesWithModels("sdxl_unet");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDiffusers(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        var unet = TinyModels.Get(modelName).Unet;
        var reference = Fixtures.Load(caseName);
        var blocks = new Dictionary<string, Tensor>();
        using var _ = no_grad();

        var conditioning = new UNetConditioning(reference["in.encoder_hidden_states"], reference["in.text_embeds"], reference["in.time_ids"]);
        var sample = unet.Forward(reference["in.sample"], reference["in.timestep"], conditioning, blocks);

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

    [Fact]
    public void WithoutAddedConditionsItSaysWhatIsMissing()
    {
        using var scope = NewDisposeScope();
        var unet = TinyModels.Get(TinyModels.Sdxl).Unet;
        var reference = Fixtures.Load("sdxl_unet_b1_8x12");
        using var _ = no_grad();
        var e = Assert.Throws<LatentSharpException>(() => unet.forward(reference["in.sample"], reference["in.timestep"], reference["in.encoder_hidden_states"]));
        Assert.Contains("needs text_embeds and time_ids", e.Message);
    }
}
