using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Gives a model built on the meta device (shapes only, no memory, no random initialisation) real but
/// uninitialised CPU storage, ready to receive checkpoint weights. Building a Stable Diffusion U-Net the
/// ordinary way spends seconds drawing random weights that loading then overwrites; this skips that.
/// </summary>
internal static class ParameterStorage
{
    /// <summary>Replaces every parameter of <paramref name="model"/> by an empty tensor of the same shape.</summary>
    /// <param name="requiresGrad">False for inference: no autograd graph is recorded through the weights.</param>
    public static void AllocateEmpty(nn.Module model, ScalarType dtype, bool requiresGrad = false)
    {
        // Detached: parameters belong to the model, not to whatever dispose scope the caller has open.
        ReplaceAll(model, p => new(empty(p.shape, dtype).DetachFromDisposeScope(), requiresGrad));
        var left = model.named_parameters().FirstOrDefault(p => p.parameter.device_type == DeviceType.META);
        if (left.name != null)
            throw new InvalidOperationException($"parameter '{left.name}' belongs to a module type that ParameterStorage cannot allocate");
    }

    /// <summary>
    /// Frees the memory of every parameter of <paramref name="model"/>: each becomes a shape-only tensor on the meta
    /// device. The model cannot compute afterwards; its owner must say so before it is asked to.
    /// </summary>
    public static void Release(nn.Module model)
    {
        var released = new List<Parameter>();
        ReplaceAll(model, p =>
        {
            released.Add(p);
            return new Parameter(empty(p.shape, p.dtype, device: META).DetachFromDisposeScope(), requires_grad: false);
        });
        // Only once the modules hold their placeholders: setting a weight still reads the one it replaces.
        foreach (var p in released) p.Dispose();
    }

    static void ReplaceAll(nn.Module model, Func<Parameter, Parameter> replace)
    {
        foreach (var module in model.modules().Prepend(model))
        {
            switch (module)
            {
                case Linear linear:
                    linear.weight = replace(linear.weight!);
                    if (linear.bias is { } linearBias) linear.bias = replace(linearBias);
                    break;
                case Conv2d conv:
                    conv.weight = replace(conv.weight!);
                    if (conv.bias is { } convBias) conv.bias = replace(convBias);
                    break;
                case Embedding embedding:
                    embedding.weight = replace(embedding.weight!);
                    break;
                case IHasReplaceableParameters own:
                    own.ReplaceParameters(replace);
                    break;
            }
        }
    }
}
