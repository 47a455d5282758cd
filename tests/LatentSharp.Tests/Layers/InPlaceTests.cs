using LatentSharp.Blocks;
using LatentSharp.Layers;
using LatentSharp.Tests.Support;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Layers;

/// <summary>The in-place shortcuts of inference must leave training untouched: same outputs, same gradients.</summary>
public class InPlaceTests
{
    [Fact]
    public void ResnetBlockTrainsAsWithOutOfPlaceOperations()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var block = new ResnetBlock2D(8, 16, new ResnetSettings(12, 4, 1e-5));
        var x = randn(2, 8, 6, 6);
        var temb = randn(2, 12);

        var training = block.forward(x, temb);
        // Autograd throws here if an in-place step overwrote a tensor the backward pass needs.
        training.square().mean().backward();
        Assert.All(block.parameters(), p => Assert.True(p.grad!.isfinite().all().item<bool>()));

        Tensor inference;
        using (no_grad()) inference = block.forward(x, temb);
        TensorAssert.Close(training.detach(), inference, 1e-6, "inference (in place) vs training (out of place)");
    }

    [Fact]
    public void InPlaceStepsReplaceTheirInputOnlyWithoutGradients()
    {
        using var scope = NewDisposeScope();
        var x = ones(3);
        Assert.Same(x, InPlace.Add(x, ones(3)));
        var w = ones(3, requires_grad: true);
        var y = w * 1;
        var sum = InPlace.Add(y, ones(3));
        Assert.NotSame(y, sum);
        Assert.Equal(2f, sum[0].item<float>());
    }
}
