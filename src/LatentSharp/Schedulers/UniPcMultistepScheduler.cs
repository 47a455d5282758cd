using System.Diagnostics;
using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework"): a multistep predictor
/// (UniP) in λ like DPM-Solver++, followed, once the model has been evaluated at the new point, by a
/// corrector (UniC) that refits that step using the new evaluation — raising the order by one at no
/// extra model call. B(h) is the "bh1" (h) or "bh2" (e^h − 1, the default) variant.
/// </summary>
public sealed class UniPcMultistepScheduler : MultistepScheduler
{
    readonly Tensor?[] modelOutputs;   // converted model outputs of the last solver_order steps, newest last
    Tensor? lastSample;                // the x the previous predictor started from, for the corrector
    int lowerOrderCount;
    int thisOrder;

    public UniPcMultistepScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: false)
    {
        if (BhType is not ("bh1" or "bh2"))
            throw new LatentSharpException($"UniPCMultistepScheduler: solver_type '{Config.SolverType}' is not supported (bh1, bh2)");
        if (SolverOrder < 1)
            throw new LatentSharpException($"UniPCMultistepScheduler: solver_order must be at least 1, got {SolverOrder}");
        modelOutputs = new Tensor?[SolverOrder];
    }

    // diffusers maps the DPM-Solver names onto bh2.
    string BhType => (Config.SolverType ?? "bh2") is "midpoint" or "heun" or "logrho" ? "bh2" : Config.SolverType ?? "bh2";

    bool PredictX0 => Config.PredictX0 ?? true;

    public override void SetTimesteps(int numInferenceSteps)
    {
        bool karras = Config.UseKarrasSigmas == true;
        var (timesteps, sigmas) = InferenceSigmas(SpacedTimesteps(numInferenceSteps, NumTrainTimesteps), karras, numInferenceSteps);
        // The step after the last timestep ends at the smallest training σ (its Karras counterpart), not at 0.
        double finalSigma = karras ? sigmas[^1] : MinimumTrainSigma;
        SetSchedule(timesteps, [.. sigmas, finalSigma], timesteps.Length);
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        int index = CurrentStepIndex(timestep);
        var converted = ConvertModelOutput(modelOutput, sample, index);

        bool useCorrector = index > 0 && !(Config.DisableCorrector ?? []).Contains(index - 1) && lastSample is not null;
        if (useCorrector) sample = Corrector(converted, sample, index);

        modelOutputs[0]?.Dispose();
        for (int i = 0; i < modelOutputs.Length - 1; i++) modelOutputs[i] = modelOutputs[i + 1];
        modelOutputs[^1] = Keep(converted.clone());

        int order = Config.LowerOrderFinal ?? true ? Math.Min(SolverOrder, TimestepValues.Length - index) : SolverOrder;
        thisOrder = Math.Min(order, lowerOrderCount + 1);   // warm-up: not more history than there is

        lastSample?.Dispose();
        lastSample = Keep(sample.clone());
        var previous = Predictor(sample, index, thisOrder);

        if (lowerOrderCount < SolverOrder) lowerOrderCount++;
        StepIndex = index + 1;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), null);
    }

    /// <summary>x̂₀ (predict_x0, the default) or ε̂, whichever the solver integrates.</summary>
    Tensor ConvertModelOutput(Tensor modelOutput, Tensor sample, int index)
    {
        if (PredictX0) return PredictOriginalSample(modelOutput, sample, index);
        var (alpha, sigma) = AlphaSigma(index);
        return PredictionType switch
        {
            "epsilon" => modelOutput.alias(),
            "sample" => (sample - modelOutput * alpha) / sigma,
            "v_prediction" => modelOutput * alpha + sample * sigma,
            _ => throw new UnreachableException("prediction_type is checked when the sampler is built"),
        };
    }

    /// <summary>UniP-p: from x at step <paramref name="index"/> to the next noise level.</summary>
    Tensor Predictor(Tensor x, int index, int order)
    {
        var m0 = modelOutputs[^1]!;
        var (rks, differences) = History(m0, index, order);
        var coefficients = UpdateCoefficients(Lambda(index + 1) - Lambda(index), rks);
        double[] rhos = differences.Count == 0 ? []
            : order == 2 ? [0.5]
            : Solve(coefficients.R, coefficients.B, differences.Count);
        var (xt, scale) = FirstOrderPart(x, m0, index + 1, index, coefficients.HPhi1, coefficients.BH);
        for (int k = 0; k < differences.Count; k++) xt -= differences[k] * (scale * rhos[k]);
        return xt;
    }

    /// <summary>UniC-p: refits the step that produced <paramref name="sample"/> with the model output evaluated there.</summary>
    Tensor Corrector(Tensor modelT, Tensor sample, int index)
    {
        var m0 = modelOutputs[^1]!;
        var (rks, differences) = History(m0, index - 1, thisOrder);
        var coefficients = UpdateCoefficients(Lambda(index) - Lambda(index - 1), rks);
        double[] rhos = thisOrder == 1 ? [0.5] : Solve(coefficients.R, coefficients.B, rks.Length);
        var (xt, scale) = FirstOrderPart(lastSample!, m0, index, index - 1, coefficients.HPhi1, coefficients.BH);
        for (int k = 0; k < differences.Count; k++) xt -= differences[k] * (scale * rhos[k]);
        return xt - (modelT - m0) * (scale * rhos[^1]);
    }

    /// <summary>
    /// For an update from step <paramref name="from"/> to the next: the ratios r_i = (λ_{from−i} − λ_from)/h
    /// of the earlier steps used (then 1) and the scaled differences (m_i − m0)/r_i of their outputs.
    /// </summary>
    (double[] Rks, List<Tensor> Differences) History(Tensor m0, int from, int order)
    {
        double h = Lambda(from + 1) - Lambda(from);
        var rks = new List<double>();
        var differences = new List<Tensor>();
        for (int i = 1; i < order; i++)
        {
            double rk = (Lambda(from - i) - Lambda(from)) / h;
            rks.Add(rk);
            differences.Add((modelOutputs[^(i + 1)]! - m0) * (1.0 / rk));
        }
        rks.Add(1.0);
        return ([.. rks], differences);
    }

    /// <summary>
    /// The Vandermonde system R·ρ = b of UniPC (R_ik = r_k^(i−1), b_i = φ_{i+1}(h)·i!/B(h)), and h·φ₁(h), B(h),
    /// in the variable hh = −h for data prediction.
    /// </summary>
    (double[,] R, double[] B, double HPhi1, double BH) UpdateCoefficients(double h, double[] rks)
    {
        int order = rks.Length;
        double hh = PredictX0 ? -h : h;
        double hPhi1 = double.ExpM1(hh);
        double hPhiK = hPhi1 / hh - 1;
        double bh = BhType == "bh1" ? hh : hPhi1;
        var r = new double[order, order];
        var b = new double[order];
        double factorial = 1;
        for (int i = 1; i <= order; i++)
        {
            for (int k = 0; k < order; k++) r[i - 1, k] = Math.Pow(rks[k], i - 1);
            b[i - 1] = hPhiK * factorial / bh;
            factorial *= i + 1;
            hPhiK = hPhiK / hh - 1 / factorial;
        }
        return (r, b, hPhi1, bh);
    }

    /// <summary>The shared first-order part (σ_t/σ_s)·x − α_t·hφ₁·m0 (x₀ form) and the scale α_t·B(h) of the higher-order terms.</summary>
    (Tensor X, double Scale) FirstOrderPart(Tensor x, Tensor m0, int to, int from, double hPhi1, double bh)
    {
        var (alphaT, sigmaT) = AlphaSigma(to);
        var (alphaS, sigmaS) = AlphaSigma(from);
        return PredictX0
            ? (x * (sigmaT / sigmaS) - m0 * (alphaT * hPhi1), alphaT * bh)
            : (x * (alphaT / alphaS) - m0 * (sigmaT * hPhi1), sigmaT * bh);
    }

    /// <summary>Solves the leading n×n block of R·ρ = b (Gaussian elimination with partial pivoting).</summary>
    static double[] Solve(double[,] r, double[] b, int n)
    {
        var a = new double[n, n + 1];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < n; k++) a[i, k] = r[i, k];
            a[i, n] = b[i];
        }
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int i = col + 1; i < n; i++) if (Math.Abs(a[i, col]) > Math.Abs(a[pivot, col])) pivot = i;
            for (int k = 0; k <= n; k++) (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
            for (int i = col + 1; i < n; i++)
            {
                double f = a[i, col] / a[col, col];
                for (int k = col; k <= n; k++) a[i, k] -= f * a[col, k];
            }
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = a[i, n];
            for (int k = i + 1; k < n; k++) s -= a[i, k] * x[k];
            x[i] = s / a[i, i];
        }
        return x;
    }

    protected override void ResetState()
    {
        for (int i = 0; i < modelOutputs.Length; i++)
        {
            modelOutputs[i]?.Dispose();
            modelOutputs[i] = null;
        }
        lastSample?.Dispose();
        lastSample = null;
        lowerOrderCount = 0;
        thisOrder = 0;
    }
}
