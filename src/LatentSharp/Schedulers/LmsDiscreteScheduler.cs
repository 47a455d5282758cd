using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// Linear multistep (k-diffusion's sample_lms): the ODE dx/dσ = d(x, σ) is stepped with the integral of
/// the Lagrange polynomial through the last (up to 4) derivatives, x_{i+1} = x_i + Σ_j c_j·d_{i−j} with
/// c_j = ∫_{σ_i}^{σ_{i+1}} ∏_{k≠j} (τ − σ_{i−k})/(σ_{i−j} − σ_{i−k}) dτ, integrated numerically as
/// diffusers does with scipy.
/// </summary>
public sealed class LmsDiscreteScheduler : SigmaScheduler
{
    readonly List<Tensor> derivatives = [];   // newest last

    public LmsDiscreteScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: false) { }

    /// <summary>The multistep order (diffusers' step(order=4) default).</summary>
    public int LmsOrder { get; init; } = 4;

    public override void SetTimesteps(int numInferenceSteps)
    {
        var (timesteps, sigmas) = InferenceSchedule(numInferenceSteps, karras: Config.UseKarrasSigmas == true);
        SetSchedule(timesteps, [.. sigmas, 0], numInferenceSteps);
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        int index = CurrentStepIndex(timestep);
        float sigma = SigmaValues[index];
        var predictedOriginal = PredictOriginalSample(modelOutput, sample, sigma);

        derivatives.Add(Keep((sample - predictedOriginal) / sigma));
        if (derivatives.Count > LmsOrder)
        {
            derivatives[0].Dispose();
            derivatives.RemoveAt(0);
        }

        int order = Math.Min(index + 1, LmsOrder);
        var update = derivatives[^1] * Coefficient(order, index, 0);
        for (int j = 1; j < order; j++)
            update += derivatives[^(j + 1)] * Coefficient(order, index, j);
        var previous = sample + update;

        StepIndex = index + 1;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), predictedOriginal.MoveToOuterDisposeScope());
    }

    /// <summary>c_j: the integral over [σ_i, σ_{i+1}] of the Lagrange basis polynomial of σ_{i−j}.</summary>
    double Coefficient(int order, int index, int j)
    {
        var s = SigmaValues;
        double Basis(double tau)
        {
            double product = 1.0;
            for (int k = 0; k < order; k++)
                if (k != j) product *= (tau - s[index - k]) / (s[index - j] - s[index - k]);
            return product;
        }
        return GaussKronrod.Integrate(Basis, s[index], s[index + 1]);
    }

    protected override void ResetState()
    {
        foreach (var d in derivatives) d.Dispose();
        derivatives.Clear();
    }
}
