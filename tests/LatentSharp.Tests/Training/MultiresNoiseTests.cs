using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

public class MultiresNoiseTests
{
    static readonly long[] Shape = [64, 4, 16, 16];

    [Fact]
    public void WithoutLevelsItIsTheSameWhiteNoiseDraw()
    {
        using var white = randn(Shape, generator: new Generator(3));
        using var drawn = new MultiresNoise().Draw(Shape, new Generator(3));
        Assert.True(white.eq(drawn).all().item<bool>());
    }

    [Fact]
    public void EachExampleHasUnitVarianceAndTheCoarseScalesCarryMoreEnergyThanInWhiteNoise()
    {
        using var pyramid = new MultiresNoise { Iterations = 6, Discount = 0.8 }.Draw(Shape, new Generator(3));
        using var white = randn(Shape, generator: new Generator(4));
        var std = pyramid.std([1, 2, 3]).data<float>().ToArray();
        Assert.All(std, s => Assert.InRange(s, 0.999, 1.001));

        // the variance of 8×8 block means: 1/64 for white noise, far more once coarse noise is added
        static double BlockMeanVariance(Tensor x) => nn.functional.avg_pool2d(x, 8).var().item<float>();
        double whiteCoarse = BlockMeanVariance(white), pyramidCoarse = BlockMeanVariance(pyramid);
        Assert.InRange(whiteCoarse, 0.8 / 64, 1.2 / 64);
        Assert.True(pyramidCoarse > 3 * whiteCoarse, $"block-mean variance {pyramidCoarse:F4} against white {whiteCoarse:F4}");
    }

    [Theory]
    [InlineData(-1, 0.3)]
    [InlineData(17, 0.3)]
    [InlineData(6, 0)]
    [InlineData(6, 1)]
    public void OutOfRangeSettingsAreRefused(int iterations, double discount) =>
        Assert.Throws<LatentSharpException>(() => new MultiresNoise { Iterations = iterations, Discount = discount }.Validate());
}
