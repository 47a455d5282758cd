using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>Token embedding plus learned absolute position embedding.</summary>
internal sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    readonly Embedding token_embedding;
    readonly Embedding position_embedding;
    readonly long maxPositions;
    AddedRowsHolder? addedRows;   // not a Tensor field: RegisterComponents must not make it a buffer of the state dict

    public ClipTextEmbeddings(ClipTextConfig config, Device? device = null) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize, device: device);
        position_embedding = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, device: device);
        maxPositions = config.MaxPositionEmbeddings;
        RegisterComponents();
    }

    /// <summary>
    /// Rows for the token ids from token_embedding's size on (textual-inversion words), [n, D]; null for none.
    /// The table itself is never resized, so removing the rows leaves the model exactly as loaded.
    /// </summary>
    public Tensor? AddedTokenRows
    {
        get => addedRows?.Rows;
        set
        {
            if (value is not null && (value.dim() != 2 || value.shape[1] != token_embedding.weight!.shape[1]))
                throw new ArgumentException($"added token rows must be [n, {token_embedding.weight!.shape[1]}]");
            addedRows?.Rows.Dispose();
            addedRows = value is null ? null : new AddedRowsHolder(value.to_type(token_embedding.weight!.dtype).DetachFromDisposeScope());
        }
    }

    sealed record AddedRowsHolder(Tensor Rows);

    /// <param name="inputIds">[B, T] int64 token ids, T ≤ max_position_embeddings.</param>
    public override Tensor forward(Tensor inputIds)
    {
        long length = inputIds.shape[^1];
        if (length > maxPositions)
            throw new LatentSharpException($"CLIP text encoder: {length} tokens exceed its {maxPositions} positions");
        using var scope = NewDisposeScope();
        var positions = arange(length, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        return (TokenEmbeddings(inputIds) + position_embedding.forward(positions)).MoveToOuterDisposeScope();
    }

    /// <summary>The token table's rows, and the added rows for ids beyond it (the same values a resized table would give).</summary>
    Tensor TokenEmbeddings(Tensor inputIds)
    {
        if (addedRows is null) return token_embedding.forward(inputIds);
        long vocabulary = token_embedding.weight!.shape[0];
        var added = inputIds.ge(vocabulary);
        var fromTable = token_embedding.forward(inputIds.masked_fill(added, 0));
        var addedIds = (inputIds - vocabulary).clamp(0, addedRows.Rows.shape[0] - 1);
        var fromAdded = addedRows.Rows.index_select(0, addedIds.flatten()).view(fromTable.shape);
        return where(added.unsqueeze(-1), fromAdded, fromTable);
    }
}
