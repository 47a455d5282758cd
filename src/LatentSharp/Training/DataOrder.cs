using LatentSharp.Shapes;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// The order a run visits its examples: epoch after epoch, each a permutation drawn from (seed, epoch).
/// Batch g holds positions g·B … g·B + B − 1 of that endless sequence, so the data a step sees is a
/// function of the step number — resuming needs no saved position, only the step.
/// </summary>
internal sealed class DataOrder
{
    const ulong Stream = 0xDA7A_0DE5UL;

    readonly ulong seed;
    readonly int count;
    long cachedEpoch = -1;
    long[] cachedPermutation = [];

    public DataOrder(int count, ulong seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "there are no examples to visit");
        this.count = count;
        this.seed = seed;
    }

    /// <summary>Example indices of batch <paramref name="batchIndex"/> (counting micro-batches), int64 [batchSize].</summary>
    public Tensor Batch(long batchIndex, int batchSize)
    {
        var indices = new long[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            long position = batchIndex * batchSize + i;
            indices[i] = Permutation(position / count)[position % count];
        }
        return tensor(indices, ScalarType.Int64);
    }

    /// <summary>Fisher–Yates on 0 … count − 1 with the epoch's own stream.</summary>
    long[] Permutation(long epoch)
    {
        if (epoch == cachedEpoch) return cachedPermutation;
        var random = DeterministicRandom.ForItem(seed ^ Stream, (ulong)epoch);
        var permutation = new long[count];
        for (int i = 0; i < count; i++) permutation[i] = i;
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
        cachedEpoch = epoch;
        cachedPermutation = permutation;
        return permutation;
    }
}
