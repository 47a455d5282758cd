using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Several networks seen as one module, each under its own name ("unet", "text_encoder", "vae"), so the
/// optimizer, the EMA and the training checkpoint treat whatever a run trains as one set of named
/// parameters ("unet.conv_in.weight" ...). The group does not own the networks.
/// </summary>
public sealed class ModuleGroup : nn.Module
{
    public ModuleGroup(params (string Name, nn.Module Module)[] members) : base(nameof(ModuleGroup))
    {
        if (members.Length == 0) throw new ArgumentException("a module group needs at least one member", nameof(members));
        foreach (var (name, module) in members) register_module(name, module);
    }

    readonly Dictionary<string, double> learningRateScales = [];

    /// <summary>The parameters that receive gradients.</summary>
    public IReadOnlyList<TorchSharp.Modules.Parameter> TrainableParameters() =>
        parameters().Where(p => p.requires_grad).ToList();

    /// <summary>
    /// Lets member <paramref name="name"/> learn at <paramref name="scale"/> times the run's learning rate. At 0 it keeps
    /// its weights (AdamW's step and decoupled weight decay are both proportional to the rate) while staying part of
    /// the group, so checkpoints, the EMA and the export still carry it. Call before the optimizer is built.
    /// </summary>
    public void ScaleLearningRate(string name, double scale)
    {
        if (scale < 0 || !double.IsFinite(scale)) throw new LatentSharpException($"a learning-rate scale must be finite and not negative (got {scale})");
        if (named_children().All(c => c.name != name)) throw new ArgumentException($"no member '{name}'", nameof(name));
        learningRateScales[name] = scale;
    }

    /// <summary>The trainable parameters by learning-rate scale (one group of scale 1 unless <see cref="ScaleLearningRate"/> was used).</summary>
    public IReadOnlyList<(double Scale, IReadOnlyList<TorchSharp.Modules.Parameter> Parameters)> TrainableParameterGroups() =>
        named_children()
            .Select(c => (Scale: learningRateScales.GetValueOrDefault(c.name, 1.0), Parameters: c.module.parameters().Where(p => p.requires_grad).ToList()))
            .Where(g => g.Parameters.Count > 0)
            .GroupBy(g => g.Scale)
            .Select(g => (g.Key, (IReadOnlyList<TorchSharp.Modules.Parameter>)g.SelectMany(x => x.Parameters).ToList()))
            .ToList();

    // The members belong to their owner (a trainer or a StableDiffusionModel), which disposes them.
    protected override void Dispose(bool disposing) { }
}
