using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// The training noise schedule every sampler shares — betas, ᾱ_t (alphas_cumprod) and the k-diffusion
/// noise levels σ_t = √((1 − ᾱ_t)/ᾱ_t) — and the maths that turns it into an N-step sampling schedule:
/// timestep spacing, σ interpolation, Karras σs, σ → t. Values are computed with the same precision
/// as diffusers (float32 where it uses torch, float64 where it uses numpy), which is what keeps the
/// samplers within float32 round-off of the reference.
/// </summary>
public sealed class NoiseSchedule : IDisposable
{
    readonly float[] alphasCumprod;

    /// <param name="rescaleZeroSnr">Apply <c>rescale_betas_zero_snr</c> (only the samplers that support it pass true).</param>
    /// <param name="finiteTerminalSigma">
    /// With a zero-SNR schedule ᾱ_T = 0 and σ_T = ∞; the σ-based samplers replace ᾱ_T by 2⁻²⁴ as diffusers does.
    /// </param>
    public NoiseSchedule(SchedulerConfig config, bool rescaleZeroSnr = false, bool finiteTerminalSigma = false)
    {
        using var scope = NewDisposeScope();
        var betas = Betas(config);
        if (rescaleZeroSnr) betas = RescaleZeroTerminalSnr(betas);
        var cumprod = (1.0 - betas).cumprod(0);
        if (rescaleZeroSnr && finiteTerminalSigma) cumprod[-1] = tensor(MathF.Pow(2, -24));
        AlphasCumprod = cumprod.MoveToOuterDisposeScope();
        alphasCumprod = AlphasCumprod.data<float>().ToArray();
    }

    public int NumTrainTimesteps => alphasCumprod.Length;

    /// <summary>ᾱ_t for t = 0 … T−1, float32 [T].</summary>
    public Tensor AlphasCumprod { get; }

    /// <summary>ᾱ_t as a number (the float32 value diffusers holds).</summary>
    public float AlphaCumprod(long t) => alphasCumprod[t];

    /// <summary>σ_t = √((1 − ᾱ_t)/ᾱ_t) for every training timestep, in float32 like diffusers.</summary>
    public float[] TrainSigmas() => alphasCumprod.Select(a => MathF.Sqrt((1f - a) / a)).ToArray();

    /// <summary>The betas of <c>beta_schedule</c> (or <c>trained_betas</c>), float32 [T].</summary>
    public static Tensor Betas(SchedulerConfig config)
    {
        int count = config.NumTrainTimesteps ?? 1000;
        double start = config.BetaStart ?? 0.0001, end = config.BetaEnd ?? 0.02;
        if (config.TrainedBetas is { } trained) return tensor(trained.Select(b => (float)b).ToArray());
        return (config.BetaSchedule ?? "linear") switch
        {
            "linear" => linspace(start, end, count, ScalarType.Float32),
            // Linear in √β: the schedule of Stable Diffusion (LDM).
            "scaled_linear" => linspace(Math.Sqrt(start), Math.Sqrt(end), count, ScalarType.Float32).pow(2),
            "squaredcos_cap_v2" => BetasForAlphaBar(count, CosineAlphaBar),
            "exp" => BetasForAlphaBar(count, t => Math.Exp(t * -12.0)),
            var other => throw new LatentSharpException(
                $"beta_schedule '{other}' is not supported (linear, scaled_linear, squaredcos_cap_v2, exp)"),
        };
    }

    /// <summary>The improved-DDPM cosine schedule ᾱ(t) = cos²((t + 0.008)/1.008 · π/2), t ∈ [0, 1].</summary>
    static double CosineAlphaBar(double t)
    {
        double c = Math.Cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /// <summary>β_i = 1 − ᾱ((i+1)/T)/ᾱ(i/T), capped at 0.999 so the last steps stay invertible.</summary>
    static Tensor BetasForAlphaBar(int count, Func<double, double> alphaBar)
    {
        var betas = new float[count];
        for (int i = 0; i < count; i++)
            betas[i] = (float)Math.Min(1 - alphaBar((i + 1) / (double)count) / alphaBar(i / (double)count), 0.999);
        return tensor(betas);
    }

    /// <summary>
    /// Lin et al. 2023 ("Common Diffusion Noise Schedules and Sample Steps are Flawed"): shift and scale
    /// √ᾱ so the last timestep has exactly zero signal, keeping the first one unchanged.
    /// </summary>
    static Tensor RescaleZeroTerminalSnr(Tensor betas)
    {
        var sqrtAlphaBar = (1.0 - betas).cumprod(0).sqrt();
        var first = sqrtAlphaBar[0].clone();
        var last = sqrtAlphaBar[-1].clone();
        sqrtAlphaBar = (sqrtAlphaBar - last) * (first / (first - last));
        var alphaBar = sqrtAlphaBar.pow(2);
        var alphas = cat([alphaBar[..1], alphaBar[1..] / alphaBar[..^1]], 0);
        return 1.0 - alphas;
    }

    /// <summary>
    /// The timesteps of an N-step run, high to low, for diffusers' three <c>timestep_spacing</c> modes
    /// (Table 2 of Lin et al. 2023). DDPM-family samplers round the "linspace" points to integers,
    /// the k-diffusion family keeps them fractional (<paramref name="roundLinspace"/> false).
    /// </summary>
    public static double[] SpacedTimesteps(string spacing, int numInferenceSteps, int numTrainTimesteps, int stepsOffset, bool roundLinspace)
    {
        int n = numInferenceSteps, count = numTrainTimesteps;
        if (n < 1 || n > count)
            throw new LatentSharpException($"the number of steps must be between 1 and the {count} training timesteps (got {n})");
        return Spaced(spacing, n, count, stepsOffset, roundLinspace);
    }

    /// <summary>
    /// <see cref="SpacedTimesteps"/> for the samplers that index ᾱ by timestep (DDPM, DDIM, PNDM).
    /// "leading" spacing with steps_offset reaches past the schedule when nearly every timestep is used
    /// (1000 steps of SD's schedule ask for t = 1000); diffusers fails there with an index error, so we
    /// say why instead. The σ-samplers interpolate σ(t) and clamp at the end, so they accept it.
    /// </summary>
    public static double[] IndexableSpacedTimesteps(string spacing, int numInferenceSteps, int numTrainTimesteps, int stepsOffset)
    {
        var timesteps = SpacedTimesteps(spacing, numInferenceSteps, numTrainTimesteps, stepsOffset, roundLinspace: true);
        if (timesteps.Max() > numTrainTimesteps - 1)
            throw new LatentSharpException(
                $"{numInferenceSteps} steps with steps_offset {stepsOffset} reach timestep {timesteps.Max()}, past the schedule's last ({numTrainTimesteps - 1}); use fewer steps");
        return timesteps;
    }

    static double[] Spaced(string spacing, int n, int count, int stepsOffset, bool roundLinspace)
    {
        switch (spacing)
        {
            case "linspace":
                var points = Linspace(0, count - 1, n);
                return points.Select(t => roundLinspace ? Math.Round(t) : t).Reverse().ToArray();
            case "leading":
                int ratio = count / n;
                return Enumerable.Range(0, n).Select(i => (double)i * ratio + stepsOffset).Reverse().ToArray();
            case "trailing":
                return Arange(count, 0, -(double)count / n).Select(t => Math.Round(t) - 1).ToArray();
            default:
                throw new LatentSharpException($"timestep_spacing '{spacing}' is not supported (leading, trailing, linspace)");
        }
    }

    /// <summary>numpy.linspace: point i is start + i·(stop − start)/div, the last one exactly stop when included.</summary>
    public static double[] Linspace(double start, double stop, int num, bool endpoint = true)
    {
        var points = new double[num];
        int div = endpoint ? num - 1 : num;
        double step = div > 0 ? (stop - start) / div : 0;
        for (int i = 0; i < num; i++) points[i] = i * step + start;
        if (endpoint && num > 1) points[^1] = stop;
        return points;
    }

    /// <summary>numpy.arange for a float step: ⌈(stop − start)/step⌉ points start + i·step.</summary>
    public static double[] Arange(double start, double stop, double step)
    {
        int count = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        return Enumerable.Range(0, count).Select(i => start + i * step).ToArray();
    }

    /// <summary>numpy.interp of the table <paramref name="values"/> (at x = 0, 1, …) at <paramref name="x"/>, clamped at the ends.</summary>
    public static double Interp(double x, IReadOnlyList<float> values)
    {
        if (x <= 0) return values[0];
        if (x >= values.Count - 1) return values[^1];
        int j = (int)Math.Floor(x);
        if (x == j) return values[j];
        double slope = (double)values[j + 1] - values[j];
        return slope * (x - j) + values[j];
    }

    /// <summary>
    /// Karras et al. 2022 (EDM) eq. 5: N noise levels from σ_max down to σ_min, evenly spaced in σ^(1/ρ).
    /// </summary>
    public static double[] KarrasSigmas(double sigmaMin, double sigmaMax, int numInferenceSteps, double rho = 7.0)
    {
        double minInvRho = Math.Pow(sigmaMin, 1 / rho), maxInvRho = Math.Pow(sigmaMax, 1 / rho);
        return Linspace(0, 1, numInferenceSteps)
            .Select(ramp => Math.Pow(maxInvRho + ramp * (minInvRho - maxInvRho), rho)).ToArray();
    }

    /// <summary>log σ_t of every training timestep, float32 like diffusers' <c>np.log</c> of its float32 σs.</summary>
    public static float[] LogSigmas(float[] trainSigmas) => trainSigmas.Select(s => (float)Math.Log(s)).ToArray();

    /// <summary>
    /// The fractional training timestep whose σ is <paramref name="sigma"/>: linear interpolation of
    /// log σ between the two neighbouring training timesteps (k-diffusion's sigma_to_t).
    /// </summary>
    public static double SigmaToTimestep(double sigma, float[] logSigmas)
    {
        double logSigma = Math.Log(Math.Max(sigma, 1e-10));
        // The last training timestep whose log σ is ≤ log σ (log σ_t increases with t), kept below the end.
        int low = 0;
        for (int i = 0; i < logSigmas.Length; i++) if (logSigma - logSigmas[i] >= 0) low = i;
        low = Math.Min(low, logSigmas.Length - 2);
        double lowLog = logSigmas[low], highLog = logSigmas[low + 1];
        double w = Math.Clamp((lowLog - logSigma) / (lowLog - highLog), 0, 1);
        return (1 - w) * low + w * (low + 1);
    }

    public void Dispose() => AlphasCumprod.Dispose();
}
