using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// Standard normal noise drawn the way diffusers' <c>randn_tensor</c> draws it from CPU
/// <c>torch.Generator</c>s: with one generator the whole shape comes from it; with a list of
/// generators (one per batch item) item i is drawn from generator i with shape [1, ...rest] and the
/// items are concatenated. The same seeds therefore give diffusers' latents and sampler noise.
/// Optionally keeps a copy of every draw (for tests and for reproducing a run).
/// </summary>
public class NoiseSource : IDisposable
{
    readonly Generator[] generators;
    readonly List<Tensor> draws = [];

    /// <summary>One CPU generator per seed, each seeded like <c>torch.Generator().manual_seed(seed)</c>.</summary>
    public NoiseSource(params long[] seeds)
        : this(seeds.Select(seed => new Generator(unchecked((ulong)seed))).ToArray()) { }

    /// <summary>Draws from the given generators (one for the whole batch, or one per batch item).</summary>
    public NoiseSource(IReadOnlyList<Generator> generators)
    {
        if (generators.Count == 0) throw new ArgumentException("a noise source needs at least one generator", nameof(generators));
        this.generators = generators.ToArray();
    }

    /// <summary>For sources that produce noise some other way (a subclass overrides <see cref="Draw"/>).</summary>
    protected NoiseSource() => generators = [];

    /// <summary>When set, <see cref="Draws"/> keeps a copy of every tensor returned by <see cref="Randn"/>.</summary>
    public bool Record { get; init; }

    /// <summary>The recorded draws, in order (empty unless <see cref="Record"/>). Owned by this source.</summary>
    public IReadOnlyList<Tensor> Draws => draws;

    /// <summary>A standard normal tensor of <paramref name="shape"/> (float32 unless told otherwise).</summary>
    public Tensor Randn(long[] shape, ScalarType dtype = ScalarType.Float32)
    {
        var noise = Draw(shape, dtype);
        if (Record)
        {
            var copy = noise.detach().clone();
            copy.DetachFromDisposeScope();
            draws.Add(copy);
        }
        return noise;
    }

    /// <summary>Produces one draw; the default follows <c>randn_tensor</c>'s generator-list rule.</summary>
    protected virtual Tensor Draw(long[] shape, ScalarType dtype)
    {
        if (generators.Length == 1) return randn(shape, dtype, generator: generators[0]);
        if (shape.Length == 0 || shape[0] != generators.Length)
            throw new LatentSharpException(
                $"noise for a batch of {(shape.Length == 0 ? 0 : shape[0])} needs one generator per item, got {generators.Length}");

        long[] itemShape = [1, .. shape[1..]];
        using var scope = NewDisposeScope();
        var items = generators.Select(g => randn(itemShape, dtype, generator: g)).ToList();
        return cat(items, 0).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var d in draws) d.Dispose();
        draws.Clear();
        foreach (var g in generators) g.Dispose();
        GC.SuppressFinalize(this);
    }
}
