using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

/// <summary>The biased timestep draw: its distribution, and the uniform draw unchanged (old runs resume bit for bit).</summary>
public class TimestepBiasTests
{
    [Fact]
    public void LaterDrawsTheNoisiestPortionMultiplierTimesAsOften()
    {
        var bias = new TimestepBias { Strategy = TimestepBias.Later, Multiplier = 4, Portion = 0.3 }.Validate();
        using var weights = bias.Weights(1000);
        Assert.Equal(1.0, weights.sum().item<double>(), 12);
        // 700 timesteps of weight 1 and 300 of weight 4: 1/1900 and 4/1900.
        Assert.Equal(1.0 / 1900, weights[0].item<double>(), 12);
        Assert.Equal(1.0 / 1900, weights[699].item<double>(), 12);
        Assert.Equal(4.0 / 1900, weights[700].item<double>(), 12);
        Assert.Equal(4.0 / 1900, weights[999].item<double>(), 12);

        using var drawn = bias.Draw(1000, 200_000, new Generator(3));
        double share = (drawn >= 700).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(share, 1200.0 / 1900 - 0.005, 1200.0 / 1900 + 0.005);
        Assert.InRange(drawn.min().item<long>(), 0, 5);
        Assert.InRange(drawn.max().item<long>(), 995, 999);
    }

    [Fact]
    public void EarlierBiasesTheLeastNoisyTimesteps()
    {
        using var weights = new TimestepBias { Strategy = TimestepBias.Earlier, Multiplier = 3, Portion = 0.5 }.Weights(10);
        Assert.Equal(3.0 / 20, weights[4].item<double>(), 12);
        Assert.Equal(1.0 / 20, weights[5].item<double>(), 12);
    }

    [Fact]
    public void TheUniformDrawIsTheOneRunsUsedBeforeTheOption()
    {
        using var drawn = new TimestepBias().Draw(1000, 64, new Generator(7));
        using var before = randint(0, 1000, [64], generator: new Generator(7));
        Assert.True(drawn.equal(before).all().item<bool>());
        using var multiplierOne = new TimestepBias { Strategy = TimestepBias.Later, Multiplier = 1 }.Draw(1000, 64, new Generator(7));
        Assert.True(multiplierOne.equal(before).all().item<bool>());
    }

    [Theory]
    [InlineData("sideways", 2, 0.25)]
    [InlineData("later", 0, 0.25)]
    [InlineData("later", 2, 0)]
    [InlineData("later", 2, 1.5)]
    [InlineData("later", double.NaN, 0.25)]
    public void BadSettingsAreRefused(string strategy, double multiplier, double portion) =>
        Assert.Throws<LatentSharpException>(() => new TimestepBias { Strategy = strategy, Multiplier = multiplier, Portion = portion }.Validate());
}
