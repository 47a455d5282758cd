using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// One optimizer step at a time: the micro-batches' gradients are accumulated, clipped to a global
/// norm, and applied by AdamW at the step's warm-up/cosine learning rate; then the EMA follows.
/// Everything a step allocates is freed before it returns, so a long run's memory stays flat.
/// </summary>
public sealed class TrainingLoop : IDisposable
{
    readonly ModuleGroup trainable;
    readonly IReadOnlyList<Parameter> parameters;
    readonly OptimizationOptions options;
    readonly LearningRateSchedule schedule;
    readonly double[] scales; // learning-rate scale of each of the optimizer's parameter groups

    public TrainingLoop(ModuleGroup trainable, OptimizationOptions options)
    {
        this.trainable = trainable;
        this.options = options.Validate();
        parameters = trainable.TrainableParameters();
        if (parameters.Count == 0) throw new LatentSharpException("nothing to train: every parameter is frozen");
        var groups = trainable.TrainableParameterGroups();
        scales = groups.Select(g => g.Scale).ToArray();
        // One plain group unless some member learns at its own rate, so the optimizer state of existing runs still loads.
        Optimizer = groups is [(1.0, _)]
            ? optim.AdamW(parameters, options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay)
            : optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, options.LearningRate * g.Scale, options.AdamBeta1, options.AdamBeta2,
                options.AdamEpsilon, options.WeightDecay)), options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay);
        schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.Steps);
        Ema = options.EmaDecay > 0 ? new ExponentialMovingAverage(trainable, options.EmaDecay) : null;
    }

    public AdamW Optimizer { get; }

    /// <summary>The averaged weights, or null when the run keeps no average.</summary>
    public ExponentialMovingAverage? Ema { get; }

    public double LearningRate(long step) => schedule.At((int)step);

    /// <summary>Runs optimizer step <paramref name="step"/> (0-based) and returns the mean loss of its micro-batches.</summary>
    /// <param name="microBatchLoss">The scalar loss of micro-batch m; it may allocate freely.</param>
    public double Step(long step, Func<int, Tensor> microBatchLoss)
    {
        using var scope = NewDisposeScope();
        trainable.train();
        Optimizer.zero_grad();
        double total = 0;
        for (int m = 0; m < options.GradientAccumulation; m++)
        {
            using var microScope = NewDisposeScope();
            var loss = microBatchLoss(m);
            double value = loss.item<float>();
            if (!double.IsFinite(value))
                throw new LatentSharpException($"the loss became {value} at step {step + 1}; resume from the last checkpoint with a lower learning rate");
            (options.GradientAccumulation == 1 ? loss : loss / options.GradientAccumulation).backward();
            total += value;
        }
        if (options.MaxGradNorm > 0) nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm);
        int g = 0;
        foreach (var group in Optimizer.ParamGroups) group.LearningRate = LearningRate(step) * scales[g++];
        Optimizer.step();
        Ema?.Update(trainable);
        return total / options.GradientAccumulation;
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Ema?.Dispose();
    }
}
