using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// DPM-Solver++ multistep (Lu et al. 2022, "DPM-Solver++", Algorithm 2): the exact solution of the
/// diffusion ODE in λ with the data prediction x̂₀ approximated by a polynomial through the last
/// <c>solver_order</c> (1 or 2) predictions. Order 2 with Karras σs is "DPM++ 2M Karras".
/// The first step, and by default the last one (lower_order_final), use first order for stability.
/// </summary>
public sealed class DpmSolverMultistepScheduler : MultistepScheduler
{
    readonly Tensor?[] modelOutputs;   // the x̂₀ of the last solver_order steps, newest last
    int lowerOrderCount;

    public DpmSolverMultistepScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: true)
    {
        // diffusers maps the DEIS name onto dpmsolver++ and the UniPC solver types onto midpoint.
        if ((Config.AlgorithmType ?? "dpmsolver++") is not ("dpmsolver++" or "deis"))
            throw new LatentSharpException($"DPMSolverMultistepScheduler: algorithm_type '{Config.AlgorithmType}' is not supported (dpmsolver++)");
        if (SolverOrder is not (1 or 2))
            throw new LatentSharpException($"DPMSolverMultistepScheduler: solver_order {SolverOrder} is not supported (1, 2)");
        if (SolverType is not ("midpoint" or "heun"))
            throw new LatentSharpException($"DPMSolverMultistepScheduler: solver_type '{Config.SolverType}' is not supported (midpoint, heun)");
        if (FinalSigmasType is not ("zero" or "sigma_min"))
            throw new LatentSharpException($"DPMSolverMultistepScheduler: final_sigmas_type '{FinalSigmasType}' is not supported (zero, sigma_min)");
        if (Config.UseLuLambdas == true)
            throw new LatentSharpException("DPMSolverMultistepScheduler: use_lu_lambdas is not supported");
        if (Config.VarianceType is not null)
            throw new LatentSharpException($"DPMSolverMultistepScheduler: variance_type '{Config.VarianceType}' is not supported");
        modelOutputs = new Tensor?[SolverOrder];
    }

    string SolverType => (Config.SolverType ?? "midpoint") is "logrho" or "bh1" or "bh2" ? "midpoint" : Config.SolverType ?? "midpoint";

    string FinalSigmasType => Config.FinalSigmasType ?? "zero";

    public override void SetTimesteps(int numInferenceSteps)
    {
        var spaced = SpacedTimesteps(numInferenceSteps, LastTimestep());
        var (timesteps, sigmas) = InferenceSigmas(spaced, Config.UseKarrasSigmas == true, numInferenceSteps);
        double finalSigma = FinalSigmasType == "zero" ? 0 : MinimumTrainSigma;
        SetSchedule(timesteps, [.. sigmas, finalSigma], timesteps.Length);
    }

    /// <summary>
    /// One past the highest timestep to use: lambda_min_clipped cuts off the noisiest timesteps whose
    /// λ is below it (for cosine schedules, whose λ goes to −∞).
    /// </summary>
    int LastTimestep()
    {
        double clip = Config.LambdaMinClipped ?? double.NegativeInfinity;
        int clipped = 0;
        for (int t = 0; t < NumTrainTimesteps; t++)
        {
            float alphaBar = Schedule.AlphaCumprod(t);
            float lambda = MathF.Log(MathF.Sqrt(alphaBar)) - MathF.Log(MathF.Sqrt(1f - alphaBar));
            if (lambda < clip) clipped++;
        }
        return NumTrainTimesteps - clipped;
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        int index = CurrentStepIndex(timestep);
        int count = TimestepValues.Length;
        bool lowerOrderFinal = index == count - 1
            && (Config.EulerAtFinal == true || (Config.LowerOrderFinal ?? true) && count < 15 || FinalSigmasType == "zero");

        var x0 = PredictOriginalSample(modelOutput, sample, index);
        modelOutputs[0]?.Dispose();
        for (int i = 0; i < modelOutputs.Length - 1; i++) modelOutputs[i] = modelOutputs[i + 1];
        modelOutputs[^1] = Keep(x0.clone());

        var previous = SolverOrder == 1 || lowerOrderCount < 1 || lowerOrderFinal
            ? FirstOrderUpdate(x0, sample, index)
            : SecondOrderUpdate(sample, index);

        if (lowerOrderCount < SolverOrder) lowerOrderCount++;
        StepIndex = index + 1;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), null);
    }

    /// <summary>DPM-Solver++(1), i.e. DDIM in λ: x_t = (σ_t/σ_s)·x_s − α_t·(e^{−h} − 1)·x̂₀.</summary>
    Tensor FirstOrderUpdate(Tensor x0, Tensor sample, int index)
    {
        var (alphaT, sigmaT) = AlphaSigma(index + 1);
        var (_, sigmaS) = AlphaSigma(index);
        double h = Lambda(index + 1) - Lambda(index);
        return sample * (sigmaT / sigmaS) - x0 * (alphaT * (Math.Exp(-h) - 1.0));
    }

    /// <summary>DPM-Solver++(2M): the first-order step plus a correction from the slope between the last two x̂₀.</summary>
    Tensor SecondOrderUpdate(Tensor sample, int index)
    {
        var (alphaT, sigmaT) = AlphaSigma(index + 1);
        var (_, sigmaS0) = AlphaSigma(index);
        double lambdaT = Lambda(index + 1), lambdaS0 = Lambda(index), lambdaS1 = Lambda(index - 1);
        double h = lambdaT - lambdaS0, r0 = (lambdaS0 - lambdaS1) / h;
        var m0 = modelOutputs[^1]!;
        var m1 = modelOutputs[^2]!;
        var d1 = (m0 - m1) * (1.0 / r0);
        double phi = alphaT * (Math.Exp(-h) - 1.0);
        var x = sample * (sigmaT / sigmaS0) - m0 * phi;
        return SolverType == "midpoint"
            ? x - d1 * (0.5 * phi)
            : x + d1 * (alphaT * ((Math.Exp(-h) - 1.0) / h + 1.0));
    }

    protected override void ResetState()
    {
        for (int i = 0; i < modelOutputs.Length; i++)
        {
            modelOutputs[i]?.Dispose();
            modelOutputs[i] = null;
        }
        lowerOrderCount = 0;
    }
}
