using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Autoencoder;

/// <summary>
/// The encoder's posterior q(z|x) = N(mean, diag(exp(logvar))), from moments [B, 2C, h, w] split on channels.
/// The log-variance is clamped to [−30, 20] as in the LDM code.
/// </summary>
public sealed class DiagonalGaussianDistribution : IDisposable
{
    /// <param name="moments">[B, 2C, h, w]; the distribution takes ownership of it.</param>
    public DiagonalGaussianDistribution(Tensor moments)
    {
        Moments = moments;
        var halves = moments.chunk(2, 1);
        Mean = halves[0];
        using (var rawLogVar = halves[1]) LogVar = rawLogVar.clamp(-30.0, 20.0);
        using var halfLogVar = LogVar * 0.5;
        Std = halfLogVar.exp();
    }

    /// <summary>The encoder's raw output, mean ‖ log-variance (diffusers' <c>parameters</c>).</summary>
    public Tensor Moments { get; }

    public Tensor Mean { get; }
    public Tensor LogVar { get; }
    public Tensor Std { get; }

    /// <summary>mean + std · ε with ε ~ N(0, I) drawn from <paramref name="generator"/> (torch's global one when null).</summary>
    public Tensor Sample(Generator? generator = null)
    {
        using var noise = randn(Mean.shape, dtype: Mean.dtype, device: Mean.device, generator: generator);
        return Sample(noise);
    }

    /// <summary>mean + std · <paramref name="noise"/>, for noise drawn elsewhere.</summary>
    public Tensor Sample(Tensor noise)
    {
        using var scaled = Std * noise;
        return Mean + scaled;
    }

    /// <summary>The most likely latent: the mean.</summary>
    public Tensor Mode() => Mean.alias();

    public void Dispose()
    {
        Moments.Dispose();
        Mean.Dispose();
        LogVar.Dispose();
        Std.Dispose();
    }
}
