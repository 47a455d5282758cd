using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Gives a model built on the meta device (shapes only, no memory, no random initialisation) real but
/// uninitialised CPU storage, ready to receive checkpoint weights. Building a Stable Diffusion U-Net the
/// ordinary way spends seconds drawing random weights that loading then overwrites; this skips that.
/// </summary>
public static class ParameterStorage
{
    /// <summary>Replaces every parameter of <paramref name="model"/> by an empty tensor of the same shape.</summary>
    /// <param name="requiresGrad">False for inference: no autograd graph is recorded through the weights.</param>
    public static void AllocateEmpty(nn.Module model, ScalarType dtype, bool requiresGrad = false)
    {
        // Detached: parameters belong to the model, not to whatever dispose scope the caller has open.
        Parameter Empty(Parameter p) => new(empty(p.shape, dtype).DetachFromDisposeScope(), requiresGrad);
        foreach (var module in model.modules().Prepend(model))
        {
            switch (module)
            {
                case Linear linear:
                    linear.weight = Empty(linear.weight!);
                    if (linear.bias is { } linearBias) linear.bias = Empty(linearBias);
                    break;
                case Conv2d conv:
                    conv.weight = Empty(conv.weight!);
                    if (conv.bias is { } convBias) conv.bias = Empty(convBias);
                    break;
                case Embedding embedding:
                    embedding.weight = Empty(embedding.weight!);
                    break;
                case IHasReplaceableParameters own:
                    own.ReplaceParameters(Empty);
                    break;
            }
        }
        var left = model.named_parameters().FirstOrDefault(p => p.parameter.device_type == DeviceType.META);
        if (left.name != null)
            throw new InvalidOperationException($"parameter '{left.name}' belongs to a module type that ParameterStorage cannot allocate");
    }
}
