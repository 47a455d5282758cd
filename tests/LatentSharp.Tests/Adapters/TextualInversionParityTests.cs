using LatentSharp.Adapters;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Adapters;

/// <summary>The ti_* fixture cases: token ids after diffusers' multi-vector expansion, text-encoder outputs, whole generations.</summary>
public class TextualInversionParityTests
{
    public static IEnumerable<object[]> EncoderCases() => Fixtures.WaveTwoCasesOfKind("ti_text_encoder").Select(c => new object[] { c });
    public static IEnumerable<object[]> PipelineCases() => Fixtures.WaveTwoCasesOfKind("ti_pipeline").Select(c => new object[] { c });

    /// <summary>The case's embedding under the word diffusers gave it (the A1111 file's word is chosen by the caller).</summary>
    static TextualInversionFile Embedding(System.Text.Json.JsonElement record, string word) =>
        TextualInversionFile.Load(Fixtures.Adapter(Path.GetFileName(record.GetProperty("adapter_file").GetString()!)), word);

    [Theory]
    [MemberData(nameof(EncoderCases))]
    public void TokensAndTextEncoderMatchDiffusers(string name)
    {
        using var scope = NewDisposeScope();
        var record = Fixtures.Case(name);
        var reference = Fixtures.Load(name);
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        using var embedding = Embedding(record, record.GetProperty("token").GetString()!);
        pipeline.SetEmbeddings([embedding]);

        foreach (var (token, id) in record.GetProperty("added_tokens").EnumerateObject().Select(p => (p.Name, p.Value.GetInt32())))
            Assert.Equal(token, pipeline.Tokenizer.IdToToken(id));
        var prompts = record.GetProperty("prompts").EnumerateArray().Select(p => p.GetString()!).ToList();
        var converted = record.GetProperty("converted_prompts").EnumerateArray().Select(p => p.GetString()!).ToList();
        var ids = record.GetProperty("ids_unpadded").EnumerateArray().Select(r => r.EnumerateArray().Select(i => i.GetInt32()).ToArray()).ToList();
        var expanded = prompts.Select(pipeline.Embeddings!.ExpandPrompt).ToList();
        Assert.Equal(converted, expanded);
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(ids[i], pipeline.Tokenizer.Encode(expanded[i]));

        var inputIds = pipeline.Tokenizer.EncodeBatch(expanded);
        TensorAssert.Equal(reference["in.input_ids"], inputIds, "input ids");
        using var _ = no_grad();
        using var output = pipeline.Model.TextEncoder.forward(inputIds);
        var actual = new Dictionary<string, Tensor>
        {
            ["out.last_hidden_state"] = output.LastHiddenState,
            ["dbg.pooler_output"] = output.PoolerOutput,
            ["dbg.added_token_embeddings"] = pipeline.Model.TextEncoder.AddedTokenRows!,
        };
        ParityCheck.AllReferenceTensors(name, reference, actual);
        Assert.Equal(record.GetProperty("text_encoder_vocab_size_after_load").GetInt32(),
            pipeline.Model.TextEncoder.VocabularyRows + pipeline.Model.TextEncoder.AddedTokenRows!.shape[0]);
    }

    [Theory]
    [MemberData(nameof(PipelineCases))]
    public void GenerationMatchesDiffusers(string name)
    {
        var record = Fixtures.Case(name);
        var tensors = Fixtures.Load(name);
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        string prompt = record.GetProperty("prompt").GetString()!;
        string word = prompt.Contains("<my-token>") ? "<my-token>" : "<cat-toy>";
        using var embedding = Embedding(record, word);
        pipeline.SetEmbeddings([embedding]);
        TensorAssert.Equal(tensors["in.prompt_ids"], pipeline.Tokenizer.EncodeBatch([pipeline.Embeddings!.ExpandPrompt(prompt)]), "prompt ids");
        var request = new GenerationRequest
        {
            Prompt = prompt,
            NegativePrompt = record.GetProperty("negative_prompt").GetString()!,
            GuidanceScale = record.GetProperty("guidance_scale").GetDouble(),
            Steps = record.GetProperty("num_inference_steps").GetInt32(),
            Width = record.GetProperty("width").GetInt32(),
            Height = record.GetProperty("height").GetInt32(),
            Scheduler = SamplerNames.FromConfig(SchedulerConfig.FromJson(record.GetProperty("scheduler_config").GetRawText())),
            Seed = record.GetProperty("generator_seed").GetInt64(),
            InitialLatents = tensors["in.latents"],
        };
        double atol = Fixtures.Atol(name);
        var stepLatents = new List<Tensor>();
        using var result = pipeline.Generate(request, step => stepLatents.Add(step.Latents.clone()));
        for (int i = 0; i < stepLatents.Count; i++)
            TensorAssert.Close(tensors[$"dbg.step.{i}.latents"], stepLatents[i], atol, $"{name} latents after step {i}");
        TensorAssert.Close(tensors["out.latents"], result.Latents, atol, $"{name} out.latents");
        TensorAssert.Close(tensors["out.image"], result.Decoded.permute(0, 2, 3, 1), atol, $"{name} out.image");
    }
}
