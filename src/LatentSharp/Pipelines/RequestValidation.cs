using LatentSharp.Schedulers;

namespace LatentSharp.Pipelines;

/// <summary>
/// Checks a request against the model before any work starts, so a bad request fails in one line
/// and nothing is half-done.
/// </summary>
public static class RequestValidation
{
    /// <summary>Large enough for any SD model; the server applies its own, smaller limit.</summary>
    public const int MaxSide = 4096;
    public const int MaxSteps = 1000;

    internal static void Check(GenerationRequest r, int unetInChannels)
    {
        if (r.Steps < 1 || r.Steps > MaxSteps) Fail($"steps must be between 1 and {MaxSteps} (got {r.Steps})");
        if (!double.IsFinite(r.GuidanceScale) || r.GuidanceScale < 0) Fail($"guidance scale must be ≥ 0 (got {r.GuidanceScale})");
        if (r.BatchSize < 1 || r.BatchSize > 64) Fail($"batch size must be between 1 and 64 (got {r.BatchSize})");
        if (r.ClipSkip < 0) Fail($"clip skip must be ≥ 0 (got {r.ClipSkip})");
        CheckSide("width", r.Width);
        CheckSide("height", r.Height);
        if (r.Scheduler is { } name && !SchedulerFactory.Names.Contains(name))
            Fail($"unknown scheduler '{name}' (valid: {string.Join(", ", SchedulerFactory.Names)})");
        if (r.Strength is { } s && !(s > 0 && s <= 1)) Fail($"strength must be in (0, 1] (got {s})");
        if (r.TimestepSpacing is { } spacing && !SchedulerConfig.TimestepSpacings.Contains(spacing))
            Fail($"unknown timestep spacing '{spacing}' (valid: {string.Join(", ", SchedulerConfig.TimestepSpacings)})");
        CheckMicroConditioning("original size", r.OriginalSize);
        CheckMicroConditioning("target size", r.TargetSize);
        if (r.CropTopLeft is { } crop && (crop.Top < 0 || crop.Left < 0 || crop.Top > MaxConditioningSide || crop.Left > MaxConditioningSide))
            Fail($"crop top-left must be two numbers between 0 and {MaxConditioningSide} (got {crop})");
        if (r.MaskBlur < 0 || r.MaskBlur > 64) Fail($"mask blur must be between 0 and 64 pixels (got {r.MaskBlur})");
        if (r.Mask is { } mask && r.Image is { } image && (mask.Width != image.Width || mask.Height != image.Height))
            Fail($"the mask is {mask.Width}x{mask.Height} but the image is {image.Width}x{image.Height}; they must be the same size");
        if (r.Mask is not null && r.Image is null) Fail("a mask needs an image to inpaint");
        if (r.InitialLatents is not null && r.Mode != GenerationMode.TextToImage) Fail("initial latents are for text-to-image only");
        if (unetInChannels == 9 && r.Mode != GenerationMode.Inpainting)
            Fail("this is an inpainting model (9-channel U-Net): give an image and a mask");
        if (unetInChannels != 4 && unetInChannels != 9)
            Fail($"U-Nets with {unetInChannels} input channels are not supported (4, or 9 for inpainting)");
    }

    /// <summary>SDXL's size conditioning is a number fed to sinusoids, not an allocation; the bound only catches nonsense.</summary>
    const int MaxConditioningSide = 16384;

    static void CheckMicroConditioning(string what, PixelSize? size)
    {
        if (size is { } s && (s.Width <= 0 || s.Height <= 0 || s.Width > MaxConditioningSide || s.Height > MaxConditioningSide))
            Fail($"{what} must be between 1x1 and {MaxConditioningSide}x{MaxConditioningSide} (got {s})");
    }

    static void CheckSide(string what, int? value)
    {
        if (value is { } v && (v <= 0 || v % 8 != 0 || v > MaxSide))
            Fail($"{what} must be a positive multiple of 8 up to {MaxSide} (got {v})");
    }

    static void Fail(string message) => throw new LatentSharpException(message);
}
