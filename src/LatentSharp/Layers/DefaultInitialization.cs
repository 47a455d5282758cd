using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Fills a model's parameters in place as torch.nn's constructors initialise them (linear and convolution
/// weights and biases uniform in ±1/√fan_in, embeddings standard normal, norms weight 1 and bias 0), in
/// whatever dtype the parameters already have. With <see cref="ParameterStorage"/> this builds a random
/// model directly in bfloat16, never holding a float32 copy.
/// </summary>
internal static class DefaultInitialization
{
    public static void Apply(nn.Module model, Generator? generator = null)
    {
        using var _ = no_grad();
        foreach (var module in model.modules().Prepend(model))
        {
            switch (module)
            {
                case Linear linear:
                    FanInUniform(linear.weight!, linear.bias, generator);
                    break;
                case Conv2d conv:
                    FanInUniform(conv.weight!, conv.bias, generator);
                    break;
                case Embedding embedding:
                    embedding.weight!.normal_(generator: generator);
                    break;
                case IHasReplaceableParameters:
                    foreach (var (name, parameter) in module.named_parameters(recurse: false))
                        if (name == "weight") parameter.fill_(1.0); else parameter.zero_();
                    break;
            }
        }
    }

    static void FanInUniform(Tensor weight, Tensor? bias, Generator? generator)
    {
        double bound = 1.0 / Math.Sqrt(weight.numel() / weight.shape[0]);
        weight.uniform_(-bound, bound, generator);
        bias?.uniform_(-bound, bound, generator);
    }
}
