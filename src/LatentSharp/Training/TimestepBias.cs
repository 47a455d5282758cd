using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Which training timesteps are drawn more often than the rest (diffusers' <c>--timestep_bias_strategy</c>): with
/// <c>later</c> the noisiest <see cref="Portion"/> of the timesteps is drawn <see cref="Multiplier"/> times as often as
/// the others, <c>earlier</c> the least noisy. Why: the layout of an image (where the shape goes) is decided in the
/// noisiest steps, which uniform drawing visits no more often than the nearly clean ones. <c>none</c> draws every
/// timestep alike (the usual uniform draw, the same random numbers as before this option existed).
/// </summary>
public sealed record TimestepBias
{
    public const string None = "none", Later = "later", Earlier = "earlier";
    public static readonly string[] Strategies = [None, Later, Earlier];

    public string Strategy { get; init; } = None;

    /// <summary>How many times as often a biased timestep is drawn as any other.</summary>
    public double Multiplier { get; init; } = 1;

    /// <summary>Share of the timesteps biased (0.25: the last or first quarter).</summary>
    public double Portion { get; init; } = 0.25;

    public bool IsUniform => Strategy == None || Multiplier == 1;

    public TimestepBias Validate()
    {
        if (!Strategies.Contains(Strategy)) throw new LatentSharpException($"timestep bias '{Strategy}' is not one of {string.Join(", ", Strategies)}");
        if (Multiplier is <= 0 or > 1000 || !double.IsFinite(Multiplier))
            throw new LatentSharpException($"the timestep bias multiplier must be in (0, 1000] (got {Multiplier})");
        if (Portion is <= 0 or > 1 || !double.IsFinite(Portion)) throw new LatentSharpException($"the timestep bias portion must be in (0, 1] (got {Portion})");
        return this;
    }

    /// <summary>Relative probability of each timestep 0 … count−1 (they sum to 1).</summary>
    public Tensor Weights(int count)
    {
        var weights = ones(count, ScalarType.Float64);
        if (IsUniform) return weights / count;
        long biased = Math.Max(1, (long)(Portion * count));
        long start = Strategy == Later ? count - biased : 0;
        weights.narrow(0, start, biased).mul_(Multiplier);
        return weights / weights.sum();
    }

    /// <summary><paramref name="batch"/> timesteps in [0, <paramref name="count"/>) drawn from <paramref name="random"/>.</summary>
    public Tensor Draw(int count, int batch, Generator random)
    {
        if (IsUniform) return randint(0, count, [batch], generator: random);
        using var weights = Weights(count);
        return multinomial(weights, batch, replacement: true, generator: random);
    }
}
