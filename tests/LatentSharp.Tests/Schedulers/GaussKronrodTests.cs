using LatentSharp.Schedulers;

namespace LatentSharp.Tests.Schedulers;

/// <summary>The quadrature behind LMS's coefficients (scipy.integrate.quad in diffusers).</summary>
public class GaussKronrodTests
{
    [Fact]
    public void IsExactForPolynomialsUpToDegree22()
    {
        for (int k = 0; k <= 22; k++)
        {
            int power = k;
            Assert.Equal(1.0 / (k + 1), GaussKronrod.Integrate(x => Math.Pow(x, power), 0, 1), 1e-14);
        }
    }

    [Fact]
    public void ConvergesOnSmoothAndPeakedFunctions()
    {
        Assert.Equal(2.0, GaussKronrod.Integrate(Math.Sin, 0, Math.PI), 1e-12);
        // ∫ e^{−1000x²} over [−1, 1] = √(π/1000)·erf(√1000), and erf(√1000) = 1 to double precision.
        Assert.Equal(Math.Sqrt(Math.PI / 1000), GaussKronrod.Integrate(x => Math.Exp(-1000 * x * x), -1, 1), 1e-12);
    }

    [Fact]
    public void ReversedLimitsNegateTheIntegral()
    {
        // LMS integrates from σ_i down to the smaller σ_{i+1}.
        Assert.Equal(-1.0 / 3, GaussKronrod.Integrate(x => x * x, 1, 0), 1e-14);
    }
}
