using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// What every sampler shares: the config, the training noise schedule, the N-step timesteps and
/// diffusers' step-index bookkeeping (the index is found from the first timestep a run sees, or set
/// with <see cref="SetBeginIndex"/>, then advances by one per step).
/// </summary>
public abstract class Scheduler : IScheduler
{
    Tensor? timesteps;
    Tensor? sigmas;
    float[] sigmaValues = [];

    protected Scheduler(SchedulerConfig config, NoiseSchedule schedule)
    {
        Config = config;
        Schedule = schedule;
    }

    public SchedulerConfig Config { get; }

    /// <summary>The training noise schedule (betas, ᾱ_t) this sampler was built from.</summary>
    public NoiseSchedule Schedule { get; }

    public virtual int Order => 1;

    public Tensor Timesteps => timesteps ?? throw new InvalidOperationException($"{GetType().Name}: call SetTimesteps first");

    public Tensor? Sigmas => sigmas;

    public virtual double InitNoiseSigma => 1.0;

    /// <summary>The number of steps of the last <see cref="SetTimesteps"/> (null before).</summary>
    public int? NumInferenceSteps { get; private set; }

    /// <summary>The index in <see cref="Timesteps"/> of the next step (null until a run starts).</summary>
    protected int? StepIndex { get; set; }

    protected int? BeginIndex { get; private set; }

    /// <summary>The timesteps as numbers, for look-ups.</summary>
    protected double[] TimestepValues { get; private set; } = [];

    /// <summary>The noise levels of the run as the float32 numbers diffusers holds (empty for ᾱ-indexed samplers).</summary>
    protected IReadOnlyList<float> SigmaValues => sigmaValues;

    protected string PredictionType => Config.PredictionType ?? "epsilon";

    protected int NumTrainTimesteps => Schedule.NumTrainTimesteps;

    public abstract void SetTimesteps(int numInferenceSteps);

    public void SetBeginIndex(int beginIndex)
    {
        if (beginIndex < 0 || (timesteps is not null && beginIndex >= TimestepValues.Length))
            throw new ArgumentOutOfRangeException(nameof(beginIndex), $"begin index {beginIndex} is outside the {TimestepValues.Length} timesteps");
        BeginIndex = beginIndex;
    }

    public virtual Tensor ScaleModelInput(Tensor sample, Tensor timestep) => sample.alias();

    public abstract SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null);

    public abstract Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps);

    /// <summary>Rejects a <c>prediction_type</c> the sampler cannot use, when it is built rather than at the first step.</summary>
    protected void RequirePredictionType(params string[] supported)
    {
        if (!supported.Contains(PredictionType))
            throw new LatentSharpException(
                $"{GetType().Name}: prediction_type '{PredictionType}' is not supported ({string.Join(", ", supported)})");
    }

    /// <summary>Checks the step count as diffusers does (1 … num_train_timesteps).</summary>
    protected void CheckStepCount(int numInferenceSteps)
    {
        if (numInferenceSteps < 1 || numInferenceSteps > NumTrainTimesteps)
            throw new LatentSharpException(
                $"{GetType().Name}: the number of steps must be between 1 and {NumTrainTimesteps} (the model's training timesteps), got {numInferenceSteps}");
    }

    /// <summary>Installs a new N-step schedule and forgets the state of the previous run.</summary>
    protected void SetTimestepSchedule(double[] values, ScalarType dtype, int numInferenceSteps)
    {
        timesteps?.Dispose();
        timesteps = dtype == ScalarType.Int64
            ? tensor(values.Select(v => (long)v).ToArray())
            : tensor(values.Select(v => (float)v).ToArray());
        TimestepValues = ValuesOf(timesteps);
        NumInferenceSteps = numInferenceSteps;
        StepIndex = null;
        BeginIndex = null;
        ResetState();
    }

    /// <summary>Installs the run's noise levels, one per timestep plus the final one (stored in float32, as diffusers does).</summary>
    protected void SetSigmas(IEnumerable<double> sigmasWithFinal)
    {
        sigmas?.Dispose();
        sigmaValues = sigmasWithFinal.Select(s => (float)s).ToArray();
        sigmas = tensor(sigmaValues);
    }

    /// <summary>Forget the history of a previous run (multistep samplers).</summary>
    protected virtual void ResetState() { }

    /// <summary>The step index for this step: set on the first step of a run, from the begin index or the timestep.</summary>
    protected int CurrentStepIndex(Tensor timestep)
    {
        if (timesteps is null) throw new InvalidOperationException($"{GetType().Name}: call SetTimesteps first");
        return StepIndex ??= BeginIndex ?? IndexForTimestep(ValueOf(timestep));
    }

    /// <summary>
    /// Where <paramref name="t"/> sits in the schedule. When it occurs twice (Heun repeats timesteps), the
    /// second occurrence, so that a run entered mid-schedule does not skip a σ.
    /// </summary>
    protected virtual int IndexForTimestep(double t)
    {
        int first = Array.IndexOf(TimestepValues, t);
        if (first < 0) throw new ArgumentException($"{GetType().Name}: timestep {t} is not in the schedule");
        int second = Array.IndexOf(TimestepValues, t, first + 1);
        return second >= 0 ? second : first;
    }

    /// <summary>Per batch item: the begin index when one is set, else the index of its timestep.</summary>
    protected int[] StepIndicesForNoising(Tensor timesteps)
    {
        if (this.timesteps is null) throw new InvalidOperationException($"{GetType().Name}: call SetTimesteps first");
        return ValuesOf(timesteps).Select(t => BeginIndex ?? IndexForTimestep(t)).ToArray();
    }

    protected static double ValueOf(Tensor timestep)
    {
        var values = ValuesOf(timestep);
        return values.Length == 1 ? values[0] : throw new ArgumentException($"expected one timestep, got {values.Length}");
    }

    protected static double[] ValuesOf(Tensor timesteps)
    {
        using var asDouble = timesteps.to_type(ScalarType.Float64);
        using var contiguous = asDouble.contiguous();
        return contiguous.data<double>().ToArray();
    }

    /// <summary>A per-item coefficient as a tensor that broadcasts over a [B, …] sample.</summary>
    protected static Tensor PerItem(IEnumerable<float> values, Tensor like)
    {
        var data = values.ToArray();
        long[] shape = [data.Length, .. Enumerable.Repeat(1L, (int)like.dim() - 1)];
        return tensor(data, shape).to(like.dtype);
    }

    /// <summary>Noise for a stochastic step: from the caller's source, else torch's global generator (diffusers' generator=None).</summary>
    protected static Tensor DrawNoise(NoiseSource? noise, Tensor like) =>
        noise?.Randn(like.shape, like.dtype) ?? randn(like.shape, like.dtype);

    /// <summary>Keeps a tensor alive past the current dispose scope (sampler history); the sampler disposes it.</summary>
    protected static Tensor Keep(Tensor t) => t.DetachFromDisposeScope();

    public void Dispose()
    {
        timesteps?.Dispose();
        sigmas?.Dispose();
        ResetState();
        Schedule.Dispose();
        GC.SuppressFinalize(this);
    }
}
