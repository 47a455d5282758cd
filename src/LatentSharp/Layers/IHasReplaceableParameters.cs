using TorchSharp.Modules;

namespace LatentSharp.Layers;

/// <summary>A module of ours whose parameters <see cref="ParameterStorage"/> can swap for new tensors.</summary>
internal interface IHasReplaceableParameters
{
    void ReplaceParameters(Func<Parameter, Parameter> replace);
}
