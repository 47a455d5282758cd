using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// PNDM (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models"): the DDIM transfer
/// φ(x_t, ε, t → t') driven by a multistep estimate of ε. PLMS uses the linear multistep (Adams–Bashforth)
/// combination of the last four ε; the start-up needs earlier ε, which "PRK" gets from three pseudo
/// Runge–Kutta steps (4 model calls each, at t, t−δ/2, t−δ/2, t−δ) and which <c>skip_prk_steps</c>
/// (Stable Diffusion's setting) replaces by one pseudo improved-Euler step.
/// </summary>
public sealed class PndmScheduler : AlphaBarScheduler
{
    readonly float finalAlphaCumprod;
    readonly List<Tensor> epsilonHistory = [];   // the ε of past PLMS/PRK anchor points, newest last
    Tensor? rungeKuttaSum;                         // PRK: the weighted sum of this step's four ε so far
    Tensor? anchorSample;                          // the x_t the current multi-call step started from
    int prkStepCount;
    int counter;

    public PndmScheduler(SchedulerConfig config) : base(config, supportsZeroSnr: false)
    {
        RequirePredictionType("epsilon", "v_prediction");
        finalAlphaCumprod = FinalAlphaCumprod(setAlphaToOneByDefault: false);
    }

    bool SkipPrkSteps => Config.SkipPrkSteps ?? false;

    int StepRatio => NumTrainTimesteps / (NumInferenceSteps ?? throw new InvalidOperationException("PndmScheduler: call SetTimesteps first"));

    public override void SetTimesteps(int numInferenceSteps)
    {
        CheckStepCount(numInferenceSteps);
        var spaced = NoiseSchedule.IndexableSpacedTimesteps(Config.TimestepSpacing ?? "leading", numInferenceSteps,
            NumTrainTimesteps, Config.StepsOffset ?? 0);   // high to low
        double[] timesteps;
        if (SkipPrkSteps)
        {
            // The second-highest timestep is visited twice: the improved-Euler start-up needs a second ε there.
            timesteps = [spaced[0], .. spaced[1..].Take(1), .. spaced[1..]];
            prkStepCount = 0;
        }
        else
        {
            if (numInferenceSteps < 4)
                throw new LatentSharpException($"PNDMScheduler: the PRK start-up needs at least 4 steps (or skip_prk_steps), got {numInferenceSteps}");
            double half = NumTrainTimesteps / numInferenceSteps / 2;
            // Three RK steps over the four highest timesteps, each visiting t, the midpoint twice, then t'.
            var prk = new List<double>();
            for (int i = 0; i < 3; i++) prk.AddRange([spaced[i], spaced[i + 1] + half, spaced[i + 1] + half, spaced[i + 1]]);
            timesteps = [.. prk, .. spaced[3..]];
            prkStepCount = prk.Count;
        }
        SetTimestepSchedule(timesteps, ScalarType.Int64, numInferenceSteps);
    }

    public override SchedulerStepOutput Step(Tensor modelOutput, Tensor timestep, Tensor sample, NoiseSource? noise = null)
    {
        using var scope = NewDisposeScope();
        double t = ValueOf(timestep);
        var previous = counter < prkStepCount ? StepPrk(modelOutput, t, sample) : StepPlms(modelOutput, t, sample);
        counter++;
        return new SchedulerStepOutput(previous.MoveToOuterDisposeScope(), null);
    }

    /// <summary>One of the four calls of a pseudo Runge–Kutta step (RK4 weights 1/6, 1/3, 1/3, 1/6).</summary>
    Tensor StepPrk(Tensor modelOutput, double t, Tensor sample)
    {
        int stage = counter % 4;
        double anchorT = TimestepValues[counter / 4 * 4];
        // Stages 0 and 2 go half a step further than where they are evaluated, 1 and 3 end where they are.
        double previousT = t - (stage % 2 == 0 ? StepRatio / 2 : 0);
        Tensor epsilon;
        if (stage == 0)
        {
            Replace(ref rungeKuttaSum, modelOutput * (1.0 / 6));
            epsilonHistory.Add(Keep(modelOutput.clone()));
            Replace(ref anchorSample, sample.clone());
            epsilon = modelOutput;
        }
        else if (stage < 3)
        {
            Replace(ref rungeKuttaSum, rungeKuttaSum! + modelOutput * (1.0 / 3));
            epsilon = modelOutput;
        }
        else
        {
            epsilon = rungeKuttaSum! + modelOutput * (1.0 / 6);
            Replace(ref rungeKuttaSum, null);
        }
        return Transfer(anchorSample!, anchorT, previousT, epsilon);
    }

    /// <summary>A pseudo linear multistep step: Adams–Bashforth over the ε history (lower order while it fills).</summary>
    Tensor StepPlms(Tensor modelOutput, double t, Tensor sample)
    {
        if (!SkipPrkSteps && epsilonHistory.Count < 3)
            throw new InvalidOperationException("PndmScheduler: the PRK start-up steps must run before the PLMS steps");
        double previousT = t - StepRatio;
        if (counter != 1)
        {
            while (epsilonHistory.Count > 3) DisposeOldestEpsilon();
            epsilonHistory.Add(Keep(modelOutput.clone()));
        }
        else
        {
            // Second call of the improved-Euler start-up: same interval as the first call.
            previousT = t;
            t += StepRatio;
        }

        var e = epsilonHistory;
        Tensor epsilon;
        if (e.Count == 1 && counter == 0)
        {
            epsilon = modelOutput;
            Replace(ref anchorSample, sample.clone());
        }
        else if (e.Count == 1 && counter == 1)
        {
            epsilon = (modelOutput + e[^1]) / 2;
            sample = anchorSample!;
        }
        else if (e.Count == 2) epsilon = (3 * e[^1] - e[^2]) / 2;
        else if (e.Count == 3) epsilon = (23 * e[^1] - 16 * e[^2] + 5 * e[^3]) / 12;
        else epsilon = (55 * e[^1] - 59 * e[^2] + 37 * e[^3] - 9 * e[^4]) * (1.0 / 24);

        var previous = Transfer(sample, t, previousT, epsilon);
        if (e.Count == 1 && counter == 1) Replace(ref anchorSample, null);
        return previous;
    }

    /// <summary>
    /// The transfer φ (PNDM eq. 11): the DDIM step from t to t' for a given ε, written so it divides only
    /// by well-conditioned terms.
    /// </summary>
    Tensor Transfer(Tensor sample, double t, double previousT, Tensor modelOutput)
    {
        float alphaBar = AlphaBar(t, finalAlphaCumprod), alphaBarPrevious = AlphaBar(previousT, finalAlphaCumprod);
        float beta = 1f - alphaBar, betaPrevious = 1f - alphaBarPrevious;
        var epsilon = PredictionType == "v_prediction"
            ? modelOutput * MathF.Sqrt(alphaBar) + sample * MathF.Sqrt(beta)
            : modelOutput;
        float sampleCoefficient = MathF.Sqrt(alphaBarPrevious / alphaBar);
        float denominator = alphaBar * MathF.Sqrt(betaPrevious) + MathF.Sqrt(alphaBar * beta * alphaBarPrevious);
        return sample * sampleCoefficient - epsilon * ((alphaBarPrevious - alphaBar) / denominator);
    }

    /// <summary>Swaps a history tensor, keeping the new one past the step's scope and freeing the old one.</summary>
    static void Replace(ref Tensor? slot, Tensor? value)
    {
        slot?.Dispose();
        slot = value is null ? null : Keep(value);
    }

    void DisposeOldestEpsilon()
    {
        epsilonHistory[0].Dispose();
        epsilonHistory.RemoveAt(0);
    }

    protected override void ResetState()
    {
        foreach (var e in epsilonHistory) e.Dispose();
        epsilonHistory.Clear();
        Replace(ref rungeKuttaSum, null);
        Replace(ref anchorSample, null);
        counter = 0;
    }
}
