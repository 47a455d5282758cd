using static TorchSharp.torch;

namespace LatentSharp.Text;

/// <summary>What the CLIP text transformer returns for a batch of token ids.</summary>
/// <param name="LastHiddenState">[B, T, D]: the last layer's output after the final LayerNorm (the SD conditioning).</param>
/// <param name="PoolerOutput">[B, D]: the final-LayerNorm state at each sequence's end-of-text token.</param>
/// <param name="HiddenStates">num_hidden_layers + 1 tensors [B, T, D]: the embeddings, then each layer's output
/// (no final LayerNorm), as transformers' <c>hidden_states</c>.</param>
public sealed record ClipTextOutput(Tensor LastHiddenState, Tensor PoolerOutput, IReadOnlyList<Tensor> HiddenStates) : IDisposable
{
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput.Dispose();
        foreach (var h in HiddenStates) h.Dispose();
    }
}
