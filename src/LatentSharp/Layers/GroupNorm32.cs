using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Group normalisation that always computes its statistics in float32 and returns the input's dtype
/// (the LDM code's <c>GroupNorm32</c>), so a half-precision model keeps exact norms. Parameters are
/// <c>weight</c> and <c>bias</c>, as in torch.nn.GroupNorm.
/// </summary>
internal sealed class GroupNorm32 : nn.Module<Tensor, Tensor>, IHasReplaceableParameters
{
    readonly long numGroups;
    readonly double eps;
    Parameter weight;
    Parameter bias;

    public GroupNorm32(long numGroups, long numChannels, double eps, Device? device = null) : base(nameof(GroupNorm32))
    {
        if (numGroups <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm: {numChannels} channels cannot be split into {numGroups} groups");
        this.numGroups = numGroups;
        this.eps = eps;
        weight = new Parameter(ones(numChannels, device: device).DetachFromDisposeScope());
        bias = new Parameter(zeros(numChannels, device: device).DetachFromDisposeScope());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32)
            return nn.functional.group_norm(input, numGroups, weight, bias, eps);
        using var scope = NewDisposeScope();
        var (weight32, bias32) = (weight.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32));
        // LibTorch's CPU kernel takes bfloat16 activations with float32 weights and computes the statistics
        // and the affine map in float32 itself, without float32 copies of the activations.
        if (input.dtype == ScalarType.BFloat16 && input.device_type == DeviceType.CPU)
            return nn.functional.group_norm(input, numGroups, weight32, bias32, eps).MoveToOuterDisposeScope();
        var output = nn.functional.group_norm(input.to_type(ScalarType.Float32), numGroups, weight32, bias32, eps);
        return output.to_type(input.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// This norm for an activation held whole but normalised piece by piece (row bands): the whole activation's
    /// statistics and this layer's affine map folded into one per-channel scale and shift.
    /// </summary>
    internal FoldedGroupNorm FoldOver(Tensor whole, RowBands bands)
    {
        using var statistics = GroupStatistics.Of(whole, numGroups, bands);
        using var scope = NewDisposeScope();
        var (mean, variance) = statistics.MeanAndVariance();
        long batch = mean.shape[0], channels = weight.shape[0], perGroup = channels / numGroups;
        var scale = (variance + eps).rsqrt().repeat_interleave(perGroup, 1) * weight.to_type(ScalarType.Float32).view(1, channels);
        var shift = bias.to_type(ScalarType.Float32).view(1, channels) - mean.repeat_interleave(perGroup, 1) * scale;
        return new FoldedGroupNorm(scale.view(batch, channels, 1, 1).MoveToOuterDisposeScope(), shift.view(batch, channels, 1, 1).MoveToOuterDisposeScope());
    }

    void IHasReplaceableParameters.ReplaceParameters(Func<Parameter, Parameter> replace)
    {
        weight = replace(weight);
        bias = replace(bias);
        ConditionallyRegisterParameter(nameof(weight), weight);
        ConditionallyRegisterParameter(nameof(bias), bias);
    }
}
