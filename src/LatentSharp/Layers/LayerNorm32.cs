using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Layer normalisation over the last dimension that computes in float32 and returns the input's dtype
/// (OpenCLIP's <c>LayerNormFp32</c>). Parameters are <c>weight</c> and <c>bias</c>, as in torch.nn.LayerNorm.
/// </summary>
internal sealed class LayerNorm32 : nn.Module<Tensor, Tensor>, IHasReplaceableParameters
{
    readonly long[] normalizedShape;
    readonly double eps;
    Parameter weight;
    Parameter bias;

    public LayerNorm32(long dim, double eps, Device? device = null) : base(nameof(LayerNorm32))
    {
        normalizedShape = [dim];
        this.eps = eps;
        weight = new Parameter(ones(dim, device: device).DetachFromDisposeScope());
        bias = new Parameter(zeros(dim, device: device).DetachFromDisposeScope());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32)
            return nn.functional.layer_norm(input, normalizedShape, weight, bias, eps);
        using var scope = NewDisposeScope();
        var (weight32, bias32) = (weight.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32));
        // As GroupNorm32: LibTorch's CPU kernel normalises bfloat16 activations in float32 given float32 weights.
        if (input.dtype == ScalarType.BFloat16 && input.device_type == DeviceType.CPU)
            return nn.functional.layer_norm(input, normalizedShape, weight32, bias32, eps).MoveToOuterDisposeScope();
        var output = nn.functional.layer_norm(input.to_type(ScalarType.Float32), normalizedShape, weight32, bias32, eps);
        return output.to_type(input.dtype).MoveToOuterDisposeScope();
    }

    void IHasReplaceableParameters.ReplaceParameters(Func<Parameter, Parameter> replace)
    {
        weight = replace(weight);
        bias = replace(bias);
        ConditionallyRegisterParameter(nameof(weight), weight);
        ConditionallyRegisterParameter(nameof(bias), bias);
    }
}
