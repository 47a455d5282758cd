using System.Text.Json;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Server.Http;

namespace LatentSharp.Server.A1111;

/// <summary>
/// An A1111 request as LatentSharp runs it: n_iter pipeline runs of batch_size images, run k starting at seed
/// seed + k·batch_size (so image i has seed + i), at a resolved size and sampler.
/// </summary>
public sealed record A1111Plan(IReadOnlyList<GenerationRequest> Runs, long Seed, int Width, int Height, string Sampler)
{
    public IEnumerable<long> AllSeeds => Enumerable.Range(0, Runs.Sum(r => r.BatchSize)).Select(i => Seed + i);
}

/// <summary>Checks an AUTOMATIC1111 request field by field (400s name the field) and plans its runs.</summary>
internal sealed class A1111RequestMapper(StableDiffusionPipeline pipeline, RequestChecks checks)
{
    public A1111Plan Txt2Img(Txt2ImgRequest r)
    {
        if (r.EnableHr) throw RequestChecks.Bad("enable_hr", "hires. fix is not supported");
        return Plan(r, image: null, mask: null, strength: null, maskBlur: 0, invertMask: false);
    }

    public A1111Plan Img2Img(Img2ImgRequest r)
    {
        if (r.InitImages is not { Length: > 0 } images) throw RequestChecks.Bad("init_images", "give one base64 image");
        if (images.Length > 1) throw RequestChecks.Bad("init_images", $"only one image is supported (got {images.Length})");
        if (r.ResizeMode != 0) throw RequestChecks.Bad("resize_mode", "only 0 (just resize) is supported");
        var image = checks.Image(images[0], "init_images");
        var mask = r.Mask is null ? null : checks.Image(r.Mask, "mask");
        if (mask != null && (mask.Width != image.Width || mask.Height != image.Height))
            throw RequestChecks.Bad("mask", $"is {mask.Width}x{mask.Height} but the image is {image.Width}x{image.Height}");
        if (r.DenoisingStrength is not { } strength || !(strength > 0 && strength <= 1))
            throw RequestChecks.Bad("denoising_strength", $"must be in (0, 1] (got {r.DenoisingStrength})");
        if (r.MaskBlur is < 0 or > 64) throw RequestChecks.Bad("mask_blur", $"must be between 0 and 64 (got {r.MaskBlur})");
        if (r.InpaintingMaskInvert is not (0 or 1)) throw RequestChecks.Bad("inpainting_mask_invert", "must be 0 or 1");
        return Plan(r, image, mask, strength, r.MaskBlur, r.InpaintingMaskInvert == 1);
    }

    A1111Plan Plan(ProcessingRequest r, RgbImage? image, RgbImage? mask, double? strength, int maskBlur, bool invertMask)
    {
        CheckUnsupported(r);
        ServerAdapters.CheckPrompt(pipeline, r.Prompt, "prompt", withLoras: true);
        ServerAdapters.CheckPrompt(pipeline, r.NegativePrompt, "negative_prompt", withLoras: false);
        int batch = checks.Images(r.BatchSize, "batch_size");
        int iterations = checks.Images(r.NIter, "n_iter");
        checks.Images(batch * iterations, "batch_size");
        int width = checks.Width(r.Width) ?? DefaultSide(image?.Width, pipeline.DefaultWidth, "width");
        int height = checks.Height(r.Height) ?? DefaultSide(image?.Height, pipeline.DefaultHeight, "height");
        string sampler = Sampler(r) ?? pipeline.DefaultSampler;
        long seed = RequestChecks.Seed(r.Seed, batch * iterations);
        var first = new GenerationRequest
        {
            // A1111 conditions SDXL on zeros for an empty negative prompt: empty is "not given" here.
            Prompt = r.Prompt, NegativePrompt = r.NegativePrompt is { Length: > 0 } negative ? negative : null, Steps = checks.Steps(r.Steps), GuidanceScale = checks.Guidance(r.CfgScale),
            Width = width, Height = height, BatchSize = batch, Scheduler = sampler, ClipSkip = ClipSkip(r),
            Image = image, Mask = mask, Strength = strength, MaskBlur = maskBlur, InvertMask = invertMask, Seed = seed,
            PromptSyntax = PromptSyntax.A1111,
        };
        var runs = Enumerable.Range(0, iterations).Select(k => first with { Seed = seed + (long)k * batch }).ToList();
        return new A1111Plan(runs, seed, width, height, sampler);
    }

    /// <summary>The pipeline's rule for an unset side: the input image's if a multiple of 8, else the model's; checked against the limits.</summary>
    int DefaultSide(int? imageSide, int modelSide, string field)
    {
        int side = imageSide is { } s && s % 8 == 0 ? s : modelSide;
        return (field == "width" ? checks.Width(side, field) : checks.Height(side, field))!.Value;
    }

    static string? Sampler(ProcessingRequest r)
    {
        string field = r.SamplerName is null && r.SamplerIndex is not null ? "sampler_index" : "sampler_name";
        string? sampler = RequestChecks.Sampler(r.SamplerName ?? r.SamplerIndex, field);
        return r.Scheduler?.Trim() switch
        {
            null or "" or "Automatic" or "automatic" => sampler,
            "Karras" or "karras" when sampler == "dpmpp_2m" => "dpmpp_2m_karras",
            "Karras" or "karras" when sampler == "dpmpp_2m_karras" => sampler,
            var other => throw RequestChecks.Bad("scheduler", $"'{other}' is not supported with this sampler (Automatic, or Karras with DPM++ 2M)"),
        };
    }

    /// <summary>A1111's CLIP_stop_at_last_layers counts from 1 (the last layer); diffusers' clip_skip from 0.</summary>
    static int ClipSkip(ProcessingRequest r)
    {
        if (r.OverrideSettings?.TryGetValue("CLIP_stop_at_last_layers", out var value) != true) return 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int layers) && layers is >= 1 and <= 12
            ? layers - 1
            : throw RequestChecks.Bad("override_settings", "CLIP_stop_at_last_layers must be an integer between 1 and 12");
    }

    static void CheckUnsupported(ProcessingRequest r)
    {
        if (r.RestoreFaces) throw RequestChecks.Bad("restore_faces", "face restoration is not supported");
        if (r.Tiling) throw RequestChecks.Bad("tiling", "tiling is not supported");
        if (r.SubseedStrength != 0) throw RequestChecks.Bad("subseed_strength", "variation seeds are not supported (must be 0)");
        if (!string.IsNullOrEmpty(r.ScriptName)) throw RequestChecks.Bad("script_name", "scripts are not supported");
    }
}
