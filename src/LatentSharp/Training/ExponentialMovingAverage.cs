using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// An exponential moving average of a module's parameters: θ_ema ← d·θ_ema + (1−d)·θ. Sampling from
/// the averaged weights gives visibly cleaner images than the last training step's weights. The decay
/// warms up as (1+n)/(10+n) (as diffusers' EMAModel does), so early averages are not dominated by the
/// random initialisation.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    readonly List<(string Name, Tensor Shadow)> shadows;

    public ExponentialMovingAverage(nn.Module module, double maxDecay = 0.9999)
    {
        MaxDecay = maxDecay;
        using var _ = no_grad();
        shadows = module.named_parameters()
            .Where(p => p.parameter.requires_grad)
            .Select(p => (p.name, p.parameter.detach().clone()))
            .ToList();
    }

    public double MaxDecay { get; }

    /// <summary>Number of updates so far (part of the training state, for resume).</summary>
    public long Updates { get; set; }

    public double CurrentDecay => Math.Min(MaxDecay, (1.0 + Updates) / (10.0 + Updates));

    public void Update(nn.Module module)
    {
        double decay = CurrentDecay;
        using var _ = no_grad();
        var current = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, shadow) in shadows)
            shadow.lerp_(current[name], 1 - decay);
        Updates++;
    }

    /// <summary>Copies the averaged weights into a module of the same structure.</summary>
    public void CopyTo(nn.Module module)
    {
        using var _ = no_grad();
        var target = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, shadow) in shadows) target[name].copy_(shadow);
    }

    public IReadOnlyDictionary<string, Tensor> StateDict() => shadows.ToDictionary(s => s.Name, s => s.Shadow);

    public void Load(IReadOnlyDictionary<string, Tensor> state)
    {
        using var _ = no_grad();
        foreach (var (name, shadow) in shadows)
        {
            if (!state.TryGetValue(name, out var saved))
                throw new LatentSharpException($"EMA state lacks '{name}'");
            shadow.copy_(saved);
        }
    }

    public void Dispose()
    {
        foreach (var (_, shadow) in shadows) shadow.Dispose();
    }
}
