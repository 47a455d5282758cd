using LatentSharp.Training;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

public class LayoutShiftTests
{
    [Fact]
    public void TheShareRisesLinearlyFromTheStartToTheFullTimestep()
    {
        using var p = new LayoutShift { From = 700, Full = 899 }.Probabilities(1000);
        Assert.Equal(0, p[699].item<double>());
        Assert.Equal(1 / 200.0, p[700].item<double>(), 1e-12);
        Assert.Equal(0.5, p[799].item<double>(), 1e-12);
        Assert.Equal(1, p[899].item<double>());
        Assert.Equal(1, p[999].item<double>());
        using var step = new LayoutShift { From = 500, Full = 500 }.Probabilities(1000);
        Assert.Equal(0, step[499].item<double>());
        Assert.Equal(1, step[500].item<double>());
        using var off = new LayoutShift().Probabilities(1000);
        Assert.Equal(0, off.sum().item<double>());
    }

    [Fact]
    public void ShiftedExamplesAreRolledCopiesAndTheOthersAreLeftAlone()
    {
        // One bright pixel per example: its place after the shift tells the offset.
        const int batch = 32, side = 8;
        using var clean = zeros(batch, 2, side, side);
        clean.narrow(2, 1, 1).narrow(3, 2, 1).fill_(1);
        using var timesteps = cat([full([batch / 2], 100, ScalarType.Int64), full([batch / 2], 999, ScalarType.Int64)]);
        using var shifted = new LayoutShift { From = 700, Full = 900 }.Apply(clean, timesteps, 1000, new Generator(5));

        Assert.True(shifted.narrow(0, 0, batch / 2).eq(clean.narrow(0, 0, batch / 2)).all().item<bool>(), "examples below the start must not move");
        int moved = 0;
        for (int i = batch / 2; i < batch; i++)
        {
            using var example = shifted[i];
            Assert.Equal(2f, example.sum().item<float>()); // the same values, rolled: nothing lost at the edges
            using var place = example[0].flatten().argmax();
            long index = place.item<long>();
            using var rolled = clean[i].roll([index / side - 1, index % side - 2], [1, 2]);
            Assert.True(example.eq(rolled).all().item<bool>());
            if (index != 1 * side + 2) moved++;
        }
        Assert.True(moved >= batch / 2 - 2, $"only {moved} of {batch / 2} examples at t = 999 moved");
    }

    [Fact]
    public void OffItDrawsNothing()
    {
        using var clean = randn(4, 2, 4, 4, generator: new Generator(1));
        using var timesteps = full([4], 999, ScalarType.Int64);
        var random = new Generator(7);
        using var same = new LayoutShift().Apply(clean, timesteps, 1000, random);
        Assert.True(same.eq(clean).all().item<bool>());
        using var next = rand(1, generator: random);
        using var fresh = rand(1, generator: new Generator(7));
        Assert.True(next.eq(fresh).all().item<bool>());
    }

    [Theory]
    [InlineData(-1, null)]
    [InlineData(1000, null)]
    [InlineData(700, 600)]
    [InlineData(700, 1000)]
    [InlineData(null, 900)]
    public void OutOfRangeSettingsAreRefused(int? from, int? full) =>
        Assert.Throws<LatentSharpException>(() => new LayoutShift { From = from, Full = full }.Validate());
}
