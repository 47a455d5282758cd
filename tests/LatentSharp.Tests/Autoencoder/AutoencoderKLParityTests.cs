using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Autoencoder;

/// <summary>The autoencoder against diffusers 0.27.2 (vae_encode_* / vae_decode_* fixture cases).</summary>
public class AutoencoderKLParityTests
{
    public static TheoryData<string, string> EncodeCases => TinyModels.CasesWithModels("vae_encode");
    public static TheoryData<string, string> DecodeCases => TinyModels.CasesWithModels("vae_decode");

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void EncodeMatchesDiffusers(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        var vae = TinyModels.Get(modelName).Vae;
        var reference = Fixtures.Load(caseName);
        using var _ = no_grad();

        using var posterior = vae.Encode(reference["in.image"]);

        ParityCheck.AllReferenceTensors(caseName, reference, new Dictionary<string, Tensor>
        {
            ["out.mean"] = posterior.Mean,
            ["out.logvar"] = posterior.LogVar,
            ["out.std"] = posterior.Std,
            ["dbg.moments"] = posterior.Moments,
        });
    }

    [Theory]
    [MemberData(nameof(DecodeCases))]
    public void DecodeMatchesDiffusers(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        var vae = TinyModels.Get(modelName).Vae;
        var reference = Fixtures.Load(caseName);
        var intermediates = new Dictionary<string, Tensor>();
        using var _ = no_grad();

        var image = vae.Decode(reference["in.latent"], intermediates);

        using var postQuant = intermediates["post_quant_conv"];
        ParityCheck.AllReferenceTensors(caseName, reference, new Dictionary<string, Tensor>
        {
            ["out.sample"] = image,
            ["dbg.post_quant_conv"] = postQuant,
        });
    }
}
