using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>
/// The CLIP text encoder of Stable Diffusion (transformers' CLIPTextModel). Submodule names equal the
/// checkpoint keys (<c>text_model.encoder.layers.0.self_attn.q_proj.weight</c> ...).
/// </summary>
public sealed class ClipTextModel : nn.Module<Tensor, ClipTextOutput>
{
    readonly ClipTextTransformer text_model;

    /// <param name="device">Where to build the parameters; the meta device builds shapes only (see ParameterStorage).</param>
    public ClipTextModel(ClipTextConfig config, Device? device = null) : base(nameof(ClipTextModel))
    {
        Config = config.Validate();
        text_model = new ClipTextTransformer(config, device);
        RegisterComponents();
    }

    public ClipTextConfig Config { get; }

    public override ClipTextOutput forward(Tensor inputIds) => text_model.forward(inputIds);

    /// <summary>Rows of token ids beyond the vocabulary (textual-inversion embeddings); null removes them.</summary>
    public Tensor? AddedTokenRows
    {
        get => text_model.Embeddings.AddedTokenRows;
        set => text_model.Embeddings.AddedTokenRows = value;
    }

    /// <summary>Rows of the token embedding table (the vocabulary size the model was built with).</summary>
    public long VocabularyRows => Config.VocabSize;

    /// <summary>
    /// The conditioning a Stable Diffusion pipeline feeds the U-Net, [B, T, D]. With <paramref name="clipSkip"/> k > 0
    /// it is the output of the layer k before the last, passed through the final LayerNorm (diffusers' clip_skip).
    /// </summary>
    public Tensor PromptEmbeddings(Tensor inputIds, int clipSkip = 0)
    {
        if (clipSkip < 0 || clipSkip >= Config.NumHiddenLayers)
            throw new LatentSharpException($"clip skip must be between 0 and {Config.NumHiddenLayers - 1} (got {clipSkip})");
        var output = forward(inputIds);
        var embeddings = clipSkip == 0 ? output.LastHiddenState : text_model.FinalLayerNorm(output.HiddenStates[^(clipSkip + 1)]);
        foreach (var t in output.HiddenStates.Append(output.LastHiddenState).Append(output.PoolerOutput))
            if (!ReferenceEquals(t, embeddings)) t.Dispose();
        return embeddings;
    }
}
