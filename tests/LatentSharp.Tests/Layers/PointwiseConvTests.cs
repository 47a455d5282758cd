using LatentSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Layers;

/// <summary>
/// A bf16 1×1 convolution computed as a matrix product (PointwiseConv) gives the convolution's values within bf16
/// rounding, in the input's memory layout, and everything the product does not cover is the plain convolution.
/// </summary>
public class PointwiseConvTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Bfloat16ProductMatchesTheConvolutionInTheInputsLayout(bool channelsLast, bool withBias)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var conv = nn.Conv2d(48, 32, 1, bias: withBias);
        var input = randn(2, 48, 12, 10);
        using var noGrad = no_grad();
        var reference = conv.forward(input).to(ScalarType.Float64);
        conv.to(ScalarType.BFloat16);
        var x = input.to(ScalarType.BFloat16);
        if (channelsLast) x = MemoryLayout.ToChannelsLast(x);

        var y = conv.ForwardPointwise(x);

        Assert.Equal(new long[] { 2, 32, 12, 10 }, y.shape);
        Assert.Equal(channelsLast, MemoryLayout.IsChannelsLast(y));
        if (!channelsLast) Assert.True(y.is_contiguous());
        var error = y.to(ScalarType.Float64) - reference;
        double relative = (error.norm() / reference.norm()).item<double>();
        Assert.True(relative < 0.01, $"bf16 relative error {relative:G3}");
    }

    [Fact]
    public void TheProductFollowsTheGradientLikeTheConvolution()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var conv = nn.Conv2d(16, 8, 1);
        conv.to(ScalarType.BFloat16);
        var input = randn(2, 16, 6, 6).to(ScalarType.BFloat16).requires_grad_(true);
        conv.ForwardPointwise(input).to(ScalarType.Float32).square().sum().backward();
        var productGrad = conv.weight!.grad!.to(ScalarType.Float64).clone();
        conv.weight.grad!.zero_();
        conv.forward(input).to(ScalarType.Float32).square().sum().backward();
        var convolutionGrad = conv.weight.grad!.to(ScalarType.Float64);
        double relative = ((productGrad - convolutionGrad).norm() / convolutionGrad.norm()).item<double>();
        Assert.True(relative < 0.02, $"weight gradient off by {relative:G3}");
    }

    [Theory]
    [InlineData("float32")]
    [InlineData("strided")]
    [InlineData("stride2")]
    public void WhatTheProductDoesNotCoverIsThePlainConvolution(string which)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var conv = nn.Conv2d(16, 8, 1, stride: which == "stride2" ? 2 : 1);
        var input = randn(2, 16, 8, 8);
        if (which != "float32")
        {
            conv.to(ScalarType.BFloat16);
            input = input.to(ScalarType.BFloat16);
        }
        if (which == "strided") input = input.narrow(2, 1, 5);   // rows of an image: neither layout
        using var noGrad = no_grad();

        var y = conv.ForwardPointwise(input);

        Assert.True(y.eq(conv.forward(input)).all().item<bool>(), "expected the convolution's exact output");
    }

    [Theory]
    [InlineData("bfloat16", false)]
    [InlineData("bfloat16", true)]
    [InlineData("float32", false)]
    [InlineData("float32", true)]
    public void TheTransformersProjectionsGiveTheConvolutionsTokensAndImage(string dtype, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var projIn = nn.Conv2d(32, 48, 1);
        var projOut = nn.Conv2d(48, 32, 1);
        var image = randn(2, 32, 6, 5);
        var tokens = randn(2, 30, 48);
        using var noGrad = no_grad();
        // Reference: the convolutions in float64, the tokens read as diffusers reads them ([B, C, H, W] ↔ [B, H·W, C]).
        projIn.to(ScalarType.Float64); projOut.to(ScalarType.Float64);
        var tokensReference = projIn.forward(image.to(ScalarType.Float64)).permute(0, 2, 3, 1).reshape(2, 30, 48);
        var imageReference = projOut.forward(tokens.to(ScalarType.Float64).reshape(2, 6, 5, 48).permute(0, 3, 1, 2));
        var type = dtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
        projIn.to(type); projOut.to(type);
        var x = image.to(type);
        if (channelsLast) x = MemoryLayout.ToChannelsLast(x);

        var projectedTokens = projIn.ToTokens(x);
        var projectedImage = projOut.FromTokens(tokens.to(type), 6, 5, channelsLast);

        Assert.Equal(new long[] { 2, 30, 48 }, projectedTokens.shape);
        if (type == ScalarType.BFloat16) Assert.True(projectedTokens.is_contiguous(), "tokens not contiguous");
        Assert.Equal(new long[] { 2, 32, 6, 5 }, projectedImage.shape);
        Assert.Equal(channelsLast, MemoryLayout.IsChannelsLast(projectedImage));
        double tolerance = type == ScalarType.BFloat16 ? 0.01 : 1e-6;
        foreach (var (actual, reference) in new[] { (projectedTokens, tokensReference), (projectedImage, imageReference) })
        {
            double relative = ((actual.to(ScalarType.Float64) - reference).norm() / reference.norm()).item<double>();
            Assert.True(relative < tolerance, $"{dtype} relative error {relative:G3}");
        }
    }
}
