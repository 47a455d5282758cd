namespace LatentSharp.Shapes;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a small PRNG whose sequence is fixed by this code, not by the
/// runtime (System.Random's algorithm may change between .NET versions), so data generated from a seed
/// is byte-identical everywhere and forever.
/// </summary>
internal sealed class DeterministicRandom
{
    ulong s0, s1, s2, s3;

    public DeterministicRandom(ulong seed)
    {
        ulong x = seed;
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
    }

    /// <summary>An independent stream for item <paramref name="index"/> of the sequence seeded by <paramref name="seed"/>, so item i does not depend on how many items come before it.</summary>
    public static DeterministicRandom ForItem(ulong seed, ulong index)
    {
        ulong x = seed ^ 0x6A09E667F3BCC909UL;
        ulong mixed = SplitMix64(ref x) ^ (index * 0x9E3779B97F4A7C15UL);
        return new DeterministicRandom(SplitMix64(ref mixed));
    }

    static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, count), without modulo bias.</summary>
    public int NextInt(int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count));
        ulong bound = (ulong)count;
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(r % bound);
    }

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];
}
