using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Pipelines;

/// <summary>
/// The fixtures' diffusers pipeline runs (tiny-sd1 and tiny-sd2, several samplers, guidance 7.5 and 1.0,
/// clip skip, a non-square size, image-to-image) reproduced from their stored initial latents.
/// </summary>
public class PipelineParityTests
{
    public static IEnumerable<object[]> PipelineCases() => Fixtures.CasesOfKind("pipeline").Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(PipelineCases))]
    public void TextToImageMatchesDiffusers(string name)
    {
        var record = Fixtures.Case(name);
        var tensors = Fixtures.Load(name);
        var pipeline = name.StartsWith("pipe_sd1") ? TinyPipelines.Sd1 : TinyPipelines.Sd2;
        var request = new GenerationRequest
        {
            Prompt = record.GetProperty("prompt").GetString()!,
            NegativePrompt = record.GetProperty("negative_prompt").GetString()!,
            GuidanceScale = record.GetProperty("guidance_scale").GetDouble(),
            Steps = record.GetProperty("num_inference_steps").GetInt32(),
            Width = record.GetProperty("width").GetInt32(),
            Height = record.GetProperty("height").GetInt32(),
            Scheduler = SamplerNames.FromConfig(SchedulerConfig.FromJson(record.GetProperty("scheduler_config").GetRawText())),
            ClipSkip = record.GetProperty("clip_skip").ValueKind == System.Text.Json.JsonValueKind.Number ? record.GetProperty("clip_skip").GetInt32() : 0,
            Seed = record.GetProperty("generator_seed").ValueKind == System.Text.Json.JsonValueKind.Number ? record.GetProperty("generator_seed").GetInt64() : 0,
            InitialLatents = tensors["in.latents"],
        };
        double atol = Fixtures.Atol(name);
        var stepLatents = new List<Tensor>();
        using var result = pipeline.Generate(request, step => stepLatents.Add(step.Latents.clone()));

        for (int i = 0; i < stepLatents.Count; i++)
            TensorAssert.Close(tensors[$"dbg.step.{i}.latents"], stepLatents[i], atol, $"{name} latents after step {i}");
        Assert.Equal(tensors.Keys.Count(k => k.StartsWith("dbg.step.") && k.EndsWith(".latents")), stepLatents.Count);
        TensorAssert.Close(tensors["out.latents"], result.Latents, atol, $"{name} out.latents");
        TensorAssert.Close(tensors["out.image"], result.Decoded.permute(0, 2, 3, 1), atol, $"{name} out.image");
    }

    [Fact]
    public void ImageToImageMatchesDiffusers()
    {
        const string name = "img2img_sd1_pndm_strength0.6";
        var record = Fixtures.Case(name);
        var tensors = Fixtures.Load(name);
        var image = tensors["in.image"];
        var request = new GenerationRequest
        {
            Prompt = record.GetProperty("prompt").GetString()!,
            NegativePrompt = record.GetProperty("negative_prompt").GetString()!,
            GuidanceScale = record.GetProperty("guidance_scale").GetDouble(),
            Steps = record.GetProperty("num_inference_steps").GetInt32(),
            Strength = record.GetProperty("strength").GetDouble(),
            Seed = record.GetProperty("generator_seed").GetInt64(),
            Image = ImageTensors.FromUnitRange(image)[0],
        };
        double atol = Fixtures.Atol(name);
        var stepLatents = new List<Tensor>();
        using var result = TinyPipelines.Sd1.Generate(request, 64, 64, image, null, step => stepLatents.Add(step.Latents.clone()), default);

        Assert.Equal(7, stepLatents.Count);
        for (int i = 0; i < stepLatents.Count; i++)
            TensorAssert.Close(tensors[$"dbg.step.{i}.latents"], stepLatents[i], atol, $"latents after step {i}");
        TensorAssert.Close(tensors["out.latents"], result.Latents, atol, "out.latents");
        TensorAssert.Close(tensors["out.image"], result.Decoded.permute(0, 2, 3, 1), atol, "out.image");
    }
}
