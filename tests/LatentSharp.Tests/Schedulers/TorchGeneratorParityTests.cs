using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Schedulers;

/// <summary>
/// TorchSharp's CPU generator (LibTorch's mt19937) against torch 1.13's draws in the rng_torch_cpu case:
/// bit for bit, so a seed gives the same latents and sampler noise as diffusers.
/// </summary>
public class TorchGeneratorParityTests
{
    static readonly Dictionary<string, Tensor> Case = Fixtures.Load("rng_torch_cpu");

    static Tensor Expected(string name) => Case["out." + name];

    static void AssertBitIdentical(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape differs");
        Assert.True(expected.eq(actual).all().item<bool>(), $"{what}: not bit-identical (max |diff| {TensorAssert.MaxAbsDiff(expected, actual):G3})");
    }

    [Theory]
    [InlineData("randn.seed0.1x4x8x8", 0L, new long[] { 1, 4, 8, 8 })]
    [InlineData("randn.seed42.1x4x8x8", 42L, new long[] { 1, 4, 8, 8 })]
    [InlineData("randn.seed42.1x4x8x12", 42L, new long[] { 1, 4, 8, 12 })]
    [InlineData("randn.seed1234.7", 1234L, new long[] { 7 })]
    [InlineData("randn.seed1234.15", 1234L, new long[] { 15 })]
    [InlineData("randn.seed1234.16", 1234L, new long[] { 16 })]
    [InlineData("randn.seed1234.17", 1234L, new long[] { 17 })]
    [InlineData("randn.seed1234.33", 1234L, new long[] { 33 })]
    [InlineData("randn.seed4294967303.16", 4294967303L, new long[] { 16 })]
    [InlineData("randn.seed123456789.2x4x8x8", 123456789L, new long[] { 2, 4, 8, 8 })]
    public void RandnFloat32MatchesTorch(string name, long seed, long[] shape)
    {
        using var g = new Generator((ulong)seed);
        using var draw = randn(shape, ScalarType.Float32, generator: g);
        AssertBitIdentical(Expected(name), draw, name);
    }

    [Fact]
    public void ConsecutiveDrawsContinueTheSameStream()
    {
        using var g = new Generator(42);
        using var first = randn([1, 4, 8, 8], ScalarType.Float32, generator: g);
        using var second = randn([1, 4, 8, 8], ScalarType.Float32, generator: g);
        AssertBitIdentical(Expected("randn.seed42.seq.0.1x4x8x8"), first, "first draw");
        AssertBitIdentical(Expected("randn.seed42.seq.1.1x4x8x8"), second, "second draw");
    }

    [Fact]
    public void RandnFloat64MatchesTorch()
    {
        using var g = new Generator(42);
        using var draw = randn([20], ScalarType.Float64, generator: g);
        AssertBitIdentical(Expected("randn_f64.seed42.20"), draw, "float64 randn");
    }

    [Fact]
    public void RandMatchesTorch()
    {
        using var g = new Generator(42);
        using var draw = rand([20], ScalarType.Float32, generator: g);
        AssertBitIdentical(Expected("rand.seed42.20"), draw, "rand");
    }

    [Fact]
    public void NoiseSourceWithOneGeneratorIsPlainRandn()
    {
        using var noise = new NoiseSource(123456789);
        using var draw = noise.Randn([2, 4, 8, 8]);
        AssertBitIdentical(Expected("randn.seed123456789.2x4x8x8"), draw, "single generator, batch 2");
    }

    [Fact]
    public void NoiseSourceWithAGeneratorPerItemConcatenatesPerItemDraws()
    {
        using var noise = new NoiseSource(42, 0) { Record = true };
        using var draw = noise.Randn([2, 4, 8, 8]);
        using var expected = cat(new[] { Expected("randn.seed42.1x4x8x8"), Expected("randn.seed0.1x4x8x8") }, 0);
        AssertBitIdentical(expected, draw, "generator list");
        AssertBitIdentical(expected, noise.Draws.Single(), "recorded draw");
    }

    [Fact]
    public void NoiseSourceRejectsABatchThatDoesNotMatchItsGenerators()
    {
        using var noise = new NoiseSource(1, 2);
        var e = Assert.Throws<LatentSharpException>(() => noise.Randn([3, 4, 8, 8]));
        Assert.Contains("one generator per item", e.Message);
    }
}
