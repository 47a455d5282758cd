using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>The stack of encoder layers; returns the input and every layer's output.</summary>
internal sealed class ClipEncoder : nn.Module<Tensor, Tensor, IReadOnlyList<Tensor>>
{
    readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig config, Device? device = null) : base(nameof(ClipEncoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ClipEncoderLayer(config, device)).ToArray());
        RegisterComponents();
    }

    /// <returns>num_hidden_layers + 1 tensors: <paramref name="embeddings"/> itself, then each layer's output.</returns>
    public override IReadOnlyList<Tensor> forward(Tensor embeddings, Tensor causalMask)
    {
        var states = new List<Tensor>(layers.Count + 1) { embeddings };
        foreach (var layer in layers) states.Add(layer.forward(states[^1], causalMask));
        return states;
    }
}
