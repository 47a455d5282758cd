using static TorchSharp.torch;

namespace LatentSharp.Schedulers;

/// <summary>
/// Imagen's dynamic thresholding (Saharia et al. 2022, §2.3) of a predicted x₀: per sample, s is the
/// <c>dynamic_thresholding_ratio</c> quantile of |x₀| clamped to [1, sample_max_value]; x₀ is clipped to
/// [−s, s] and divided by s, so saturated pixels are pushed inwards instead of clipped flat.
/// </summary>
static class DynamicThresholding
{
    public static Tensor Apply(Tensor predictedOriginal, SchedulerConfig config)
    {
        double ratio = config.DynamicThresholdingRatio ?? 0.995, maxValue = config.SampleMaxValue ?? 1.0;
        using var scope = NewDisposeScope();
        var flat = predictedOriginal.to_type(ScalarType.Float32).reshape(predictedOriginal.shape[0], -1);
        var s = flat.abs().quantile(tensor(ratio, ScalarType.Float32), dim: 1).clamp(1.0, maxValue).unsqueeze(1);
        var thresholded = flat.clamp(-s, s) / s;
        return thresholded.reshape(predictedOriginal.shape).to(predictedOriginal.dtype).MoveToOuterDisposeScope();
    }
}
