using LatentSharp.Tests.Support;
using LatentSharp.Text;
using LatentSharp.Training;
using LatentSharp.UNet;

namespace LatentSharp.Tests.Training;

public class WeightInitializationTests
{
    [Fact]
    public void TheSeedAloneFixesTheWeights()
    {
        using var a = new UNet2DConditionModel(TinyTraining.Unet);
        using var b = new UNet2DConditionModel(TinyTraining.Unet);
        WeightInitialization.Apply(a, 5, "conv_out.");
        WeightInitialization.Apply(b, 5, "conv_out.");
        foreach (var (pa, pb) in a.named_parameters().Zip(b.named_parameters())) TensorAssert.Close(pa.parameter, pb.parameter, 0, pa.name);
        WeightInitialization.Apply(b, 6, "conv_out.");
        Assert.True(TensorAssert.MaxAbsDiff(a.named_parameters().First().parameter, b.named_parameters().First().parameter) > 0);
    }

    [Fact]
    public void FollowsTheUsualDistributions()
    {
        using var unet = new UNet2DConditionModel(TinyTraining.Unet);
        WeightInitialization.Apply(unet, 1, "conv_out.");
        var p = unet.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Assert.Equal(0, p["conv_out.weight"].abs().max().item<float>());
        Assert.Equal(1, p["conv_norm_out.weight"].mean().item<float>());
        double bound = 1 / Math.Sqrt(4 * 3 * 3);
        Assert.InRange(p["conv_in.weight"].abs().max().item<float>(), 0.8 * bound, bound);
        Assert.InRange(p["conv_in.bias"].abs().max().item<float>(), 1e-3, bound);

        using var text = new ClipTextModel(TinyTraining.TextEncoder with { VocabSize = 600 });
        WeightInitialization.Apply(text, 1);
        var embedding = text.named_parameters().First(x => x.name.EndsWith("token_embedding.weight")).parameter;
        Assert.InRange(embedding.std().item<float>(), 0.018, 0.022);
    }
}
