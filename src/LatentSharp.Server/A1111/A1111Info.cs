using System.Text.Json;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Server.Http;
using LatentSharp.Server.Queue;

namespace LatentSharp.Server.A1111;

/// <summary>
/// The <c>info</c> string of an A1111 image response: its Processed.js() fields, serialised to JSON. Seeds list
/// every image the request asked for; infotexts the images it got (fewer after an interrupt). Subseeds are
/// unused (subseed_strength is always 0) and reported equal to the seeds.
/// </summary>
internal static class A1111Info
{
    public static string Build(A1111Plan plan, ProcessingRequest request, JobOutcome outcome, StableDiffusionPipeline pipeline, DateTime startedLocal)
    {
        var first = plan.Runs[0];
        long[] seeds = plan.AllSeeds.ToArray();
        var info = new Dictionary<string, object?>
        {
            ["prompt"] = first.Prompt,
            ["all_prompts"] = seeds.Select(_ => first.Prompt).ToArray(),
            ["negative_prompt"] = first.NegativePrompt ?? "",
            ["all_negative_prompts"] = seeds.Select(_ => first.NegativePrompt ?? "").ToArray(),
            ["seed"] = plan.Seed,
            ["all_seeds"] = seeds,
            ["subseed"] = plan.Seed,
            ["all_subseeds"] = seeds,
            ["subseed_strength"] = 0.0,
            ["width"] = plan.Width,
            ["height"] = plan.Height,
            ["sampler_name"] = SamplerNames.ToA1111(plan.Sampler),
            ["cfg_scale"] = first.GuidanceScale,
            ["steps"] = first.Steps,
            ["batch_size"] = first.BatchSize,
            ["restore_faces"] = false,
            ["face_restoration_model"] = null,
            ["sd_model_name"] = pipeline.Model.Name,
            ["sd_model_hash"] = null,
            ["sd_vae_name"] = null,
            ["sd_vae_hash"] = null,
            ["seed_resize_from_w"] = request.SeedResizeFromW,
            ["seed_resize_from_h"] = request.SeedResizeFromH,
            ["denoising_strength"] = first.Mode == GenerationMode.TextToImage ? null : first.EffectiveStrength,
            // A1111 lists what its extra networks and embeddings add to the infotext here.
            ["extra_generation_params"] = (outcome.Images.FirstOrDefault()?.Parameters.Extra ?? [])
                .Where(kv => kv.Key is "Lora hashes" or "TI hashes").ToDictionary(kv => kv.Key, kv => (object)kv.Value),
            ["index_of_first_image"] = 0,
            ["infotexts"] = outcome.Images.Select(i => i.Parameters.Format()).ToArray(),
            ["styles"] = request.Styles ?? [],
            ["job_timestamp"] = startedLocal.ToString("yyyyMMddHHmmss"),
            ["clip_skip"] = first.ClipSkip + 1,
            ["is_using_inpainting_conditioning"] = pipeline.Model.Unet.Config.InChannels == 9,
            ["version"] = "LatentSharp",
        };
        return JsonSerializer.Serialize(info, JsonOptions.Api);
    }
}
