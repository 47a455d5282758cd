using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Draws a fresh network's weights from a seed, without touching torch's global generator, so a run's
/// starting point depends on its seed alone (and tests running side by side cannot disturb each other).
/// The distributions are PyTorch's defaults, with the two changes the reference trainings make:
/// <list type="bullet">
/// <item>matrices and convolution kernels, and the bias beside them: U(±1/√fan_in) (nn.Linear / nn.Conv2d);</item>
/// <item>normalisation scales 1, shifts 0;</item>
/// <item>embedding tables N(0, 0.02) as transformers initialises CLIP (PyTorch's N(0, 1) would drown the
///   residual stream);</item>
/// <item>parameters named in <c>zeroed</c> are 0 — the U-Net's final convolution, so the model starts by
///   predicting zero, as the LDM code's zero_module does.</item>
/// </list>
/// </summary>
internal static class WeightInitialization
{
    const double EmbeddingStd = 0.02;

    public static void Apply(nn.Module module, ulong seed, params string[] zeroed)
    {
        using var generator = new Generator(seed);
        using var _ = no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var embeddingTables = module.named_modules().Where(m => m.module is Embedding).Select(m => m.name + ".weight").ToHashSet();
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (zeroed.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal))) parameter.zero_();
            else if (embeddingTables.Contains(name)) parameter.normal_(0, EmbeddingStd, generator);
            else if (parameter.dim() >= 2) parameter.uniform_(-Bound(parameter), Bound(parameter), generator);
            else if (Sibling(parameters, name, "weight") is { } weight && weight.dim() >= 2) parameter.uniform_(-Bound(weight), Bound(weight), generator);
            else if (name.EndsWith("weight", StringComparison.Ordinal)) parameter.fill_(1);
            else parameter.zero_();
        }
    }

    /// <summary>1/√fan_in, fan_in being the inputs times the kernel area.</summary>
    static double Bound(Tensor weight) => 1 / Math.Sqrt(weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b));

    static Tensor? Sibling(Dictionary<string, Parameter> parameters, string name, string leaf)
    {
        int dot = name.LastIndexOf('.');
        return parameters.GetValueOrDefault((dot < 0 ? "" : name[..(dot + 1)]) + leaf);
    }
}
