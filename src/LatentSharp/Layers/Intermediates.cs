using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Optional capture of named intermediate tensors during a forward pass (block outputs, for parity checks
/// against the reference's forward hooks). The captured tensors belong to the caller, who disposes them.
/// </summary>
internal static class Intermediates
{
    public static void Capture(IDictionary<string, Tensor>? into, string name, Tensor value)
    {
        if (into is null) return;
        if (into.Remove(name, out var previous)) previous.Dispose();
        into[name] = value.detach().DetachFromDisposeScope();
    }
}
