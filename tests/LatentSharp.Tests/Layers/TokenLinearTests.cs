using LatentSharp.Layers;
using LatentSharp.Tests.Support;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Layers;

public class TokenLinearTests
{
    [Theory]
    [InlineData(2, 300, 32, 48)]   // long enough for the 1×1-convolution route
    [InlineData(1, 10, 32, 48)]    // short: the layer itself
    public void MatchesTheLinearLayer(int batch, int tokens, int inFeatures, int outFeatures)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var layer = nn.Linear(inFeatures, outFeatures);
        var x = randn(batch, tokens, inFeatures);
        using var _ = no_grad();
        TensorAssert.Close(layer.forward(x), TokenLinear.Forward(layer, x), 1e-5, "token linear");
    }

    [Fact]
    public void GradientsReachTheWeightsThroughTheConvolutionRoute()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var layer = nn.Linear(16, 8);
        var x = randn(1, 300, 16);
        TokenLinear.Forward(layer, x).square().sum().backward();
        var viaConvolution = layer.weight!.grad!.clone();
        layer.zero_grad();
        layer.forward(x).square().sum().backward();
        TensorAssert.Close(layer.weight!.grad!, viaConvolution, 1e-4, "weight gradient");
    }

    /// <summary>Above 1024 tokens the feed-forward runs in slices; the result is that of the whole.</summary>
    [Fact]
    public void FeedForwardInSlicesEqualsFeedForwardOnTheWhole()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var ff = new FeedForward(16);
        ff.eval();
        var x = randn(2, 1500, 16);
        using var _ = inference_mode();
        var pieces = new[] { (0, 500), (500, 500), (1000, 500) }.Select(p => ff.forward(x.narrow(1, p.Item1, p.Item2))).ToList();
        TensorAssert.Close(cat(pieces, 1), ff.forward(x), 1e-5, "feed-forward in slices");
    }
}
