using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public class DataOrderTests
{
    static long[] Batch(DataOrder order, long index, int size)
    {
        using var t = order.Batch(index, size);
        return t.data<long>().ToArray();
    }

    [Fact]
    public void EveryEpochVisitsEachExampleOnceInItsOwnOrder()
    {
        var order = new DataOrder(10, seed: 3);
        // 3 examples per batch: batches 0-9 cover exactly epochs 0, 1 and 2.
        var positions = Enumerable.Range(0, 10).SelectMany(b => Batch(order, b, 3)).ToArray();
        var epochs = positions.Chunk(10).ToArray();
        Assert.All(epochs, e => Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), e.Order()));
        Assert.NotEqual(epochs[0], epochs[1]);
    }

    [Fact]
    public void ABatchDependsOnlyOnItsIndexAndTheSeed()
    {
        var fresh = Batch(new DataOrder(100, seed: 9), 57, 8);
        var order = new DataOrder(100, seed: 9);
        for (int b = 0; b < 57; b++) Batch(order, b, 8);
        Assert.Equal(fresh, Batch(order, 57, 8));
        Assert.NotEqual(fresh, Batch(new DataOrder(100, seed: 10), 57, 8));
    }
}
