using LatentSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Layers;

/// <summary>
/// Pins the convolutions whose channel counts oneDNN gets wrong on some processors (see BlockAlignedConv)
/// against a float64 reference, repeated because the wrong values change from call to call.
/// </summary>
public class BlockAlignedConvTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        // in, out, stride: SD's conv_out (→ 4), the VAE's (→ 3, → 8), in-channel tails above one block.
        { 32, 4, 1 }, { 32, 3, 1 }, { 16, 8, 1 }, { 16, 20, 1 }, { 20, 16, 1 }, { 36, 16, 1 }, { 20, 20, 2 }, { 4, 16, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float32ForwardAndInputGradientMatchFloat64(int inChannels, int outChannels, int stride)
    {
        using var scope = NewDisposeScope();
        var (conv, input) = Make(inChannels, outChannels, stride);
        var reference = Reference(conv, input, out var upstream, out var referenceGrad);
        for (int repeat = 0; repeat < 6; repeat++)
        {
            var x = input.detach().requires_grad_(true);
            var y = conv.ForwardAligned(x);
            Assert.True(MaxError(y, reference) < 1e-4, $"forward off by {MaxError(y, reference)}");
            (y * upstream).sum().backward();
            Assert.True(MaxError(x.grad!, referenceGrad) < 1e-4, $"input gradient off by {MaxError(x.grad!, referenceGrad)}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bfloat16ForwardIsWithinBfloat16Rounding(int inChannels, int outChannels, int stride)
    {
        using var scope = NewDisposeScope();
        var (conv, input) = Make(inChannels, outChannels, stride);
        var reference = Reference(conv, input, out _, out _);
        conv.to(ScalarType.BFloat16);
        for (int repeat = 0; repeat < 4; repeat++)
        {
            using var noGrad = no_grad();
            var y = conv.ForwardAligned(input.to(ScalarType.BFloat16)).to(ScalarType.Float64);
            double relative = ((y - reference).norm() / reference.norm()).item<double>();
            Assert.True(relative < 0.01, $"bf16 relative error {relative:G3}");
        }
    }

    static (TorchSharp.Modules.Conv2d, Tensor) Make(int inChannels, int outChannels, int stride)
    {
        manual_seed(3);
        var conv = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1);
        var input = randn(4, inChannels, 16, 16);
        return (conv, input);
    }

    static Tensor Reference(TorchSharp.Modules.Conv2d conv, Tensor input, out Tensor upstream, out Tensor inputGrad)
    {
        var x = input.to(ScalarType.Float64).requires_grad_(true);
        var y = nn.functional.conv2d(x, conv.weight!.detach().to(ScalarType.Float64), conv.bias!.detach().to(ScalarType.Float64), conv.stride, conv.padding);
        upstream = randn_like(y).to(ScalarType.Float32);
        (y * upstream.to(ScalarType.Float64)).sum().backward();
        inputGrad = x.grad!.to(ScalarType.Float32);
        return y.detach();
    }

    static double MaxError(Tensor actual, Tensor expected) =>
        (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().item<double>();
}
