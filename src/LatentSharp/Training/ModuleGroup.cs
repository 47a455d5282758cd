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

    /// <summary>The parameters that receive gradients.</summary>
    public IReadOnlyList<TorchSharp.Modules.Parameter> TrainableParameters() =>
        parameters().Where(p => p.requires_grad).ToList();

    // The members belong to their owner (a trainer or a StableDiffusionModel), which disposes them.
    protected override void Dispose(bool disposing) { }
}
