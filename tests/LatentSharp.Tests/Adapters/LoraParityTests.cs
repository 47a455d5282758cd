using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Adapters;

/// <summary>
/// The lora_* fixture cases: tiny-sd1 with the kohya and the PEFT file merged at scales 1.0 and 0.5, against
/// diffusers' merged weights and outputs; then the LoRA removed, which must give the base model bit for bit.
/// Each test loads its own model (LoRAs change weights; the shared tiny models stay untouched).
/// </summary>
public class LoraParityTests
{
    public static TheoryData<string, string> UnetCases => WithModels("lora_unet");
    public static TheoryData<string, string> TextEncoderCases => WithModels("lora_text_encoder");

    static TheoryData<string, string> WithModels(string kind)
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Fixtures.WaveTwoCasesOfKind(kind))
            foreach (var model in new[] { TinyModels.Sd1, TinyModels.Sd1Single })
                data.Add(c, model);
        return data;
    }

    [Theory]
    [MemberData(nameof(UnetCases))]
    public void UnetMatchesDiffusersAndRemovalIsExact(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Load(modelName);
        using var lora = LoraFile.Load(Fixtures.Adapter(Path.GetFileName(Fixtures.Case(caseName).GetProperty("adapter_file").GetString()!)));
        var reference = Fixtures.Load(caseName);
        double atol = Fixtures.Atol(caseName);
        var before = Snapshot(model.Unet);
        Tensor Run()
        {
            using var _ = no_grad();
            return model.Unet.forward(reference["in.sample"], reference["in.timestep"], reference["in.encoder_hidden_states"]);
        }

        var baseline = Run();
        TensorAssert.Close(reference["out.sample.base"], baseline, atol, $"{caseName} base");
        foreach (var scale in new[] { 1.0, 0.5 })
        {
            model.Loras.Set([new LoraApplication(lora, scale)]);
            TensorAssert.Close(reference[$"out.sample.scale_{scale:0.0}"], Run(), atol, $"{caseName} scale {scale}");
            if (scale == 1.0) CheckDeltas(caseName, reference, model.Unet, before, atol);
        }

        model.Loras.Clear();
        Assert.Empty(model.Loras.Active);
        AssertUnchanged(before, model.Unet);
        Assert.True(TensorAssert.BitEqual(baseline, Run()), "the U-Net after removing the LoRA differs from before");
    }

    [Theory]
    [MemberData(nameof(TextEncoderCases))]
    public void TextEncoderMatchesTransformersAndRemovalIsExact(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        using var model = TinyModels.Load(modelName);
        using var lora = LoraFile.Load(Fixtures.Adapter(Path.GetFileName(Fixtures.Case(caseName).GetProperty("adapter_file").GetString()!)));
        var reference = Fixtures.Load(caseName);
        double atol = Fixtures.Atol(caseName);
        var before = Snapshot(model.TextEncoder);
        Tensor Run()
        {
            using var _ = no_grad();
            using var output = model.TextEncoder.forward(reference["in.input_ids"]);
            return output.LastHiddenState.clone();
        }

        var baseline = Run();
        TensorAssert.Close(reference["out.last_hidden_state.base"], baseline, atol, $"{caseName} base");
        foreach (var scale in new[] { 1.0, 0.5 })
        {
            model.Loras.Set([new LoraApplication(lora, scale)]);
            TensorAssert.Close(reference[$"out.last_hidden_state.scale_{scale:0.0}"], Run(), atol, $"{caseName} scale {scale}");
            if (scale == 1.0) CheckDeltas(caseName, reference, model.TextEncoder, before, atol);
        }

        model.Loras.Clear();
        AssertUnchanged(before, model.TextEncoder);
        Assert.True(TensorAssert.BitEqual(baseline, Run()), "the text encoder after removing the LoRA differs from before");
    }

    /// <summary>dbg.delta_weight.&lt;module&gt; = W' − W at scale 1.0.</summary>
    static void CheckDeltas(string caseName, Dictionary<string, Tensor> reference, TorchSharp.torch.nn.Module network,
        Dictionary<string, Tensor> before, double atol)
    {
        const string prefix = "dbg.delta_weight.";
        var now = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var deltas = reference.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(deltas);
        foreach (var key in deltas)
        {
            string weight = key[prefix.Length..] + ".weight";
            var delta = now[weight] - before[weight];
            // A weight-sized atol: the fixture's W' − W differs from ours only by float32 rounding of W'.
            TensorAssert.Close(reference[key], delta.reshape(reference[key].shape), 1e-6, $"{caseName} {key}");
        }
    }

    internal static Dictionary<string, Tensor> Snapshot(TorchSharp.torch.nn.Module network) =>
        network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    internal static void AssertUnchanged(Dictionary<string, Tensor> before, TorchSharp.torch.nn.Module network)
    {
        foreach (var (name, parameter) in network.named_parameters())
            Assert.True(TensorAssert.BitEqual(before[name], parameter), $"{name} is not bit for bit as loaded");
    }
}
