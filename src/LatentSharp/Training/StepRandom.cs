using LatentSharp.Shapes;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// The random draws of a training step come from a generator seeded by (run seed, step, micro-batch)
/// alone — never from a generator carried along the run — so step k draws the same noise, timesteps and
/// dropouts whether the run got there in one go or was stopped and resumed on the way.
/// </summary>
internal static class StepRandom
{
    /// <summary>Separates this use of the seed from the data order and the initial weights.</summary>
    const ulong Stream = 0x5EED_0F_57E9UL;

    /// <summary>A fresh torch generator for micro-batch <paramref name="microBatch"/> of step <paramref name="step"/>; the caller disposes it.</summary>
    public static Generator For(ulong seed, long step, int microBatch)
    {
        var mixed = DeterministicRandom.ForItem(seed ^ Stream, (ulong)step);
        var item = DeterministicRandom.ForItem(mixed.NextUInt64(), (ulong)microBatch);
        return new Generator(item.NextUInt64());
    }
}
