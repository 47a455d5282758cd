using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>Token embedding plus learned absolute position embedding.</summary>
public sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    readonly Embedding token_embedding;
    readonly Embedding position_embedding;
    readonly long maxPositions;

    public ClipTextEmbeddings(ClipTextConfig config, Device? device = null) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize, device: device);
        position_embedding = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, device: device);
        maxPositions = config.MaxPositionEmbeddings;
        RegisterComponents();
    }

    /// <param name="inputIds">[B, T] int64 token ids, T ≤ max_position_embeddings.</param>
    public override Tensor forward(Tensor inputIds)
    {
        long length = inputIds.shape[^1];
        if (length > maxPositions)
            throw new LatentSharpException($"CLIP text encoder: {length} tokens exceed its {maxPositions} positions");
        using var scope = NewDisposeScope();
        var positions = arange(length, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        return (token_embedding.forward(inputIds) + position_embedding.forward(positions)).MoveToOuterDisposeScope();
    }
}
