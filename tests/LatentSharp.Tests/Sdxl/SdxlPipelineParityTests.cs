using System.Text.Json;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Tests.Pipelines;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Sdxl;

/// <summary>
/// diffusers' StableDiffusionXL(Img2Img)Pipeline runs (sdxl_pipe_*, sdxl_img2img_*, sdxl_seeded_*) reproduced through the
/// one pipeline: both prompts' embeddings, force_zeros_for_empty_prompt (negative prompt not given → zeros, "" → encoded),
/// micro-conditioning, guidance 0 without the unconditional pass (SDXL-Turbo: euler_a, trailing, 1 step), every
/// step's latents, the final latents and image — from the folder and from the single file.
/// </summary>
public class SdxlPipelineParityTests
{
    public static TheoryData<string, string> TextToImageCases => TinyModels.CasesWithModels("sdxl_pipeline");
    public static TheoryData<string, string> ImageToImageCases => TinyModels.CasesWithModels("sdxl_img2img");
    public static TheoryData<string, string> SeededCases => TinyModels.CasesWithModels("sdxl_seeded");

    static string? OptionalString(JsonElement record, string name) =>
        record.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static PixelSize Size(JsonElement pair) => new(pair[1].GetInt32(), pair[0].GetInt32());   // diffusers: (h, w)

    /// <summary>The request a case's diffusers call corresponds to (sampler and timestep spacing from its scheduler config).</summary>
    static GenerationRequest Request(JsonElement record)
    {
        var scheduler = SchedulerConfig.FromJson(record.GetProperty("scheduler_config").GetRawText());
        var request = new GenerationRequest
        {
            Prompt = record.GetProperty("prompt").GetString()!,
            NegativePrompt = OptionalString(record, "negative_prompt"),
            GuidanceScale = record.GetProperty("guidance_scale").GetDouble(),
            Steps = record.GetProperty("num_inference_steps").GetInt32(),
            Width = record.GetProperty("width").GetInt32(),
            Height = record.GetProperty("height").GetInt32(),
            Scheduler = SamplerNames.FromConfig(scheduler),
            TimestepSpacing = scheduler.TimestepSpacing,
        };
        if (record.TryGetProperty("original_size", out var original))
        {
            var crop = record.GetProperty("crops_coords_top_left");
            request = request with
            {
                OriginalSize = Size(original), TargetSize = Size(record.GetProperty("target_size")),
                CropTopLeft = new CropOffset(crop[0].GetInt32(), crop[1].GetInt32()),
            };
        }
        return request;
    }

    static long Seed(JsonElement record, string name = "generator_seed") =>
        record.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    [Theory]
    [MemberData(nameof(TextToImageCases))]
    public void TextToImageMatchesDiffusers(string name, string model)
    {
        var record = Fixtures.Case(name);
        var tensors = Fixtures.Load(name);
        var pipeline = TinyPipelines.Get(model);
        var request = Request(record) with { Seed = Seed(record), InitialLatents = tensors["in.latents"] };
        double atol = Fixtures.Atol(name);

        CheckConditioning(name, pipeline, request, tensors, atol);
        var stepLatents = new List<Tensor>();
        using var result = pipeline.Generate(request, step => stepLatents.Add(step.Latents.clone()));

        Assert.Equal(tensors.Keys.Count(k => k.StartsWith("dbg.step.") && k.EndsWith(".latents")), stepLatents.Count);
        for (int i = 0; i < stepLatents.Count; i++)
            TensorAssert.Close(tensors[$"dbg.step.{i}.latents"], stepLatents[i], atol, $"{name} latents after step {i}");
        TensorAssert.Close(tensors["out.latents"], result.Latents, atol, $"{name} out.latents");
        TensorAssert.Close(tensors["out.image"], result.Decoded.permute(0, 2, 3, 1), atol, $"{name} out.image");
    }

    /// <summary>What the conditioner gives the U-Net: prompt embeddings (zeros for a negative prompt not given), pooled embeddings, time ids.</summary>
    static void CheckConditioning(string name, StableDiffusionPipeline pipeline, GenerationRequest request, Dictionary<string, Tensor> tensors, double atol)
    {
        using var _ = inference_mode();
        bool guided = ClassifierFreeGuidance.IsActive(request.GuidanceScale);
        using var conditioning = Conditioners.For(pipeline.Model, pipeline.Tokenizer, pipeline.Tokenizer2, null)
            .Encode(request, request.Width!.Value, request.Height!.Value, guided);
        TensorAssert.Close(tensors["dbg.add_time_ids"], conditioning.TimeIds!, 0, $"{name} add_time_ids");
        TensorAssert.Close(tensors["dbg.add_text_embeds"], conditioning.TextEmbeds!, atol, $"{name} add_text_embeds");
        var context = guided ? conditioning.EncoderHiddenStates.chunk(2) : [conditioning.EncoderHiddenStates];
        var pooled = guided ? conditioning.TextEmbeds!.chunk(2) : [conditioning.TextEmbeds!];
        TensorAssert.Close(tensors["dbg.prompt_embeds"], context[^1], atol, $"{name} prompt_embeds");
        TensorAssert.Close(tensors["dbg.pooled_prompt_embeds"], pooled[^1], atol, $"{name} pooled_prompt_embeds");
        if (!guided)
        {
            Assert.False(tensors.ContainsKey("dbg.negative_prompt_embeds"));
            return;
        }
        TensorAssert.Close(tensors["dbg.negative_prompt_embeds"], context[0], atol, $"{name} negative_prompt_embeds");
        TensorAssert.Close(tensors["dbg.negative_pooled_prompt_embeds"], pooled[0], atol, $"{name} negative_pooled_prompt_embeds");
        bool zeroed = Fixtures.Case(name).GetProperty("negative_embeds_zeroed").GetBoolean();
        Assert.Equal(zeroed, context[0].abs().max().item<float>() == 0);
    }

    [Theory]
    [MemberData(nameof(ImageToImageCases))]
    public void ImageToImageMatchesDiffusers(string name, string model)
    {
        var record = Fixtures.Case(name);
        var tensors = Fixtures.Load(name);
        var image = tensors["in.image"];
        var request = Request(record) with
        {
            Strength = record.GetProperty("strength").GetDouble(), Seed = Seed(record), Image = ImageTensors.FromUnitRange(image)[0],
        };
        double atol = Fixtures.Atol(name);
        var stepLatents = new List<Tensor>();
        using var result = TinyPipelines.Get(model).Generate(request, 64, 64, image, null, step => stepLatents.Add(step.Latents.clone()), default);

        Assert.Equal(6, stepLatents.Count);
        for (int i = 0; i < stepLatents.Count; i++)
            TensorAssert.Close(tensors[$"dbg.step.{i}.latents"], stepLatents[i], atol, $"{name} latents after step {i}");
        TensorAssert.Close(tensors["out.latents"], result.Latents, atol, $"{name} out.latents");
        TensorAssert.Close(tensors["out.image"], result.Decoded.permute(0, 2, 3, 1), atol, $"{name} out.image");
    }

    [Theory]
    [MemberData(nameof(SeededCases))]
    public void SeedsAloneGiveDiffusersImages(string name, string model)
    {
        var record = Fixtures.Case(name);
        var tensors = Fixtures.Load(name);
        var request = Request(record) with { Seed = Seed(record, "seed"), BatchSize = record.GetProperty("batch").GetInt32() };
        double atol = Fixtures.Atol(name);

        using var result = TinyPipelines.Get(model).Generate(request);

        TensorAssert.Close(tensors["out.latents"], result.Latents, atol, $"{name} out.latents");
        TensorAssert.Close(tensors["out.image"], result.Decoded.permute(0, 2, 3, 1), atol, $"{name} out.image");
    }
}
