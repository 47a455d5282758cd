using LatentSharp.Adapters;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Adapters;

/// <summary>The lora_pipeline cases: a whole 4-step guided generation with the LoRA at scale 0.7 in both networks.</summary>
public class LoraPipelineParityTests
{
    public static IEnumerable<object[]> Cases() => Fixtures.WaveTwoCasesOfKind("lora_pipeline").Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void GenerationMatchesDiffusers(string name)
    {
        var record = Fixtures.Case(name);
        var tensors = Fixtures.Load(name);
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        using var lora = LoraFile.Load(Fixtures.Adapter(Path.GetFileName(record.GetProperty("adapter_file").GetString()!)));
        pipeline.Loras = [new LoraApplication(lora, record.GetProperty("lora_scale").GetDouble())];
        var request = new GenerationRequest
        {
            Prompt = record.GetProperty("prompt").GetString()!,
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

        Assert.Equal(4, stepLatents.Count);
        for (int i = 0; i < stepLatents.Count; i++)
            TensorAssert.Close(tensors[$"dbg.step.{i}.latents"], stepLatents[i], atol, $"{name} latents after step {i}");
        TensorAssert.Close(tensors["out.latents"], result.Latents, atol, $"{name} out.latents");
        TensorAssert.Close(tensors["out.image"], result.Decoded.permute(0, 2, 3, 1), atol, $"{name} out.image");
    }
}
