using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Sdxl;

/// <summary>
/// SDXL's text encoders against transformers 4.40 / diffusers 0.27.2 (case sdxl_te): CLIPTextModel and
/// CLIPTextModelWithProjection, every hidden state, the projected pooled output, and encode_prompt's concatenation
/// of both penultimate layers — from the folder and from the single file (OpenCLIP names, fused q/k/v, transposed projection).
/// </summary>
public class SdxlTextEncoderParityTests
{
    public static TheoryData<string, string> Cases => TinyModels.CasesWithModels("sdxl_text_encoders");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTransformers(string caseName, string modelName)
    {
        using var scope = NewDisposeScope();
        var model = TinyModels.Get(modelName);
        var reference = Fixtures.Load(caseName);
        using var _ = no_grad();

        using var first = model.TextEncoder.forward(reference["in.input_ids"]);
        using var second = model.TextEncoder2!.forward(reference["in.input_ids_2"]);
        var actual = new Dictionary<string, Tensor>
        {
            ["out.te1.penultimate_hidden_state"] = first.HiddenStates[^2],
            ["out.te2.penultimate_hidden_state"] = second.HiddenStates[^2],
            ["dbg.te1.last_hidden_state"] = first.LastHiddenState,
            ["dbg.te2.last_hidden_state"] = second.LastHiddenState,
            ["dbg.te2.pooler_output"] = second.PoolerOutput,
            ["out.te2.text_embeds"] = model.TextEncoder2.TextEmbeds(second.PoolerOutput),
        };
        for (int i = 0; i < first.HiddenStates.Count; i++) actual[$"dbg.te1.hidden_states.{i}"] = first.HiddenStates[i];
        for (int i = 0; i < second.HiddenStates.Count; i++) actual[$"dbg.te2.hidden_states.{i}"] = second.HiddenStates[i];
        actual["out.prompt_embeds"] = cat([first.HiddenStates[^2], second.HiddenStates[^2]], -1);
        actual["out.pooled_prompt_embeds"] = actual["out.te2.text_embeds"];

        ParityCheck.AllReferenceTensors(caseName, reference, actual);
    }
}
