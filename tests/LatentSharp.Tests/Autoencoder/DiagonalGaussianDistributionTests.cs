using LatentSharp.Autoencoder;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Autoencoder;

public class DiagonalGaussianDistributionTests
{
    [Fact]
    public void SampleIsMeanPlusStdTimesTheGeneratorsNoise()
    {
        using var scope = NewDisposeScope();
        using var posterior = new DiagonalGaussianDistribution(cat([full(1, 2, 3, 3, 0.5f), full(1, 2, 3, 3, 2f * MathF.Log(0.25f))], 1));

        var sample = posterior.Sample(new Generator(42));
        var noise = randn(1, 2, 3, 3, generator: new Generator(42));

        TensorAssert.Close(0.5f + 0.25f * noise, sample, 1e-6, "sample");
        TensorAssert.Close(posterior.Mean, posterior.Mode(), 0, "mode");
    }

    [Fact]
    public void LogVarianceIsClamped()
    {
        using var scope = NewDisposeScope();
        using var posterior = new DiagonalGaussianDistribution(cat([zeros(1, 1, 1, 2), tensor(new[] { -100f, 100f }).view(1, 1, 1, 2)], 1));
        TensorAssert.Close(tensor(new[] { -30f, 20f }).view(1, 1, 1, 2), posterior.LogVar, 0, "logvar");
    }
}
