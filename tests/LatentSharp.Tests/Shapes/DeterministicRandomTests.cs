using LatentSharp.Shapes;

namespace LatentSharp.Tests.Shapes;

public class DeterministicRandomTests
{
    [Fact]
    public void MatchesTheReferenceXoshiro256StarStarSeededBySplitMix64()
    {
        // First outputs of the reference C code (xoshiro256**, state from SplitMix64 seeded with 42).
        var random = new DeterministicRandom(42);
        Assert.Equal([1546998764402558742UL, 6990951692964543102UL, 12544586762248559009UL],
            new[] { random.NextUInt64(), random.NextUInt64(), random.NextUInt64() });
    }

    [Fact]
    public void ItemStreamsDependOnSeedAndIndexOnly()
    {
        Assert.Equal(DeterministicRandom.ForItem(7, 3).NextUInt64(), DeterministicRandom.ForItem(7, 3).NextUInt64());
        Assert.NotEqual(DeterministicRandom.ForItem(7, 3).NextUInt64(), DeterministicRandom.ForItem(7, 4).NextUInt64());
        Assert.NotEqual(DeterministicRandom.ForItem(7, 3).NextUInt64(), DeterministicRandom.ForItem(8, 3).NextUInt64());
    }

    [Fact]
    public void BoundedDrawsAreUniform()
    {
        var random = new DeterministicRandom(1);
        var counts = new int[6];
        for (int i = 0; i < 60000; i++) counts[random.NextInt(6)]++;
        Assert.All(counts, c => Assert.InRange(c, 9600, 10400));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.NextDouble()), d => Assert.InRange(d, 0, 1 - double.Epsilon));
    }
}
