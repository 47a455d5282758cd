using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Text;

/// <summary>The CLIP text encoder against transformers 4.40 (te_* fixture cases), from folders and from the single file.</summary>
public class ClipTextModelParityTests
{
    public static TheoryData<string, string> Cases => TinyModels.CasesWithModels("text_encoder");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTransformers(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        var model = TinyModels.Get(modelName).TextEncoder;
        var reference = Fixtures.Load(caseName);
        var ids = reference["in.input_ids"];
        using var _ = no_grad();

        using var output = model.forward(ids);
        var actual = new Dictionary<string, Tensor>
        {
            ["out.last_hidden_state"] = output.LastHiddenState,
            ["out.pooler_output"] = output.PoolerOutput,
            ["out.penultimate_hidden_state"] = output.HiddenStates[^2],
            ["out.penultimate_final_layer_norm"] = model.PromptEmbeddings(ids, clipSkip: 1),
        };
        for (int i = 0; i < output.HiddenStates.Count; i++) actual[$"dbg.hidden_states.{i}"] = output.HiddenStates[i];

        ParityCheck.AllReferenceTensors(caseName, reference, actual);
    }

    [Theory]
    [InlineData(TinyModels.Sd1)]
    [InlineData(TinyModels.Sd2)]
    public void PromptEmbeddingsWithoutClipSkipAreTheLastHiddenState(string modelName)
    {
        using var scope = NewDisposeScope();
        var model = TinyModels.Get(modelName).TextEncoder;
        var ids = Fixtures.Load(modelName == TinyModels.Sd1 ? "te_sd1" : "te_sd2")["in.input_ids"];
        using var _ = no_grad();
        using var output = model.forward(ids);
        TensorAssert.Close(output.LastHiddenState, model.PromptEmbeddings(ids), 0, "prompt embeddings");
    }
}
