using System.Text.Json;

namespace LatentSharp.Server.A1111;

/// <summary>
/// The fields AUTOMATIC1111's /sdapi/v1/txt2img and img2img share, with its API defaults (seed −1 = random,
/// 50 steps, CFG 7). Unset width/height mean the model's own size (A1111 says 512, which only suits SD 1.x).
/// Fields for features LatentSharp lacks are accepted at their off values and refused otherwise.
/// </summary>
public abstract class ProcessingRequest
{
    public string Prompt { get; set; } = "";
    public string NegativePrompt { get; set; } = "";
    public string[]? Styles { get; set; }
    public long Seed { get; set; } = -1;
    public long Subseed { get; set; } = -1;
    public double SubseedStrength { get; set; }
    public int SeedResizeFromH { get; set; } = -1;
    public int SeedResizeFromW { get; set; } = -1;
    public string? SamplerName { get; set; }

    /// <summary>A1111 1.9+'s separate schedule type ("Automatic", "Karras", ...).</summary>
    public string? Scheduler { get; set; }

    public int BatchSize { get; set; } = 1;
    public int NIter { get; set; } = 1;
    public int Steps { get; set; } = 50;
    public double CfgScale { get; set; } = 7.0;
    public int? Width { get; set; }
    public int? Height { get; set; }
    public bool RestoreFaces { get; set; }
    public bool Tiling { get; set; }
    public bool DoNotSaveSamples { get; set; }
    public bool DoNotSaveGrid { get; set; }
    public double? Eta { get; set; }
    public virtual double? DenoisingStrength { get; set; }

    /// <summary>Only CLIP_stop_at_last_layers (clip skip) is applied; the server has one model and no other settings.</summary>
    public Dictionary<string, JsonElement>? OverrideSettings { get; set; }

    public bool OverrideSettingsRestoreAfterwards { get; set; } = true;

    /// <summary>The old name of sampler_name.</summary>
    public string? SamplerIndex { get; set; }

    public string? ScriptName { get; set; }
    public bool SendImages { get; set; } = true;
    public bool SaveImages { get; set; }

    /// <summary>The id the web UI polls /internal/progress with.</summary>
    public string? ForceTaskId { get; set; }
}

public sealed class Txt2ImgRequest : ProcessingRequest
{
    public bool EnableHr { get; set; }
}

public sealed class Img2ImgRequest : ProcessingRequest
{
    public string[]? InitImages { get; set; }

    /// <summary>0 = just resize (the only mode supported).</summary>
    public int ResizeMode { get; set; }

    public override double? DenoisingStrength { get; set; } = 0.75;

    /// <summary>Base64 mask: white is repainted, black kept.</summary>
    public string? Mask { get; set; }

    public int MaskBlur { get; set; } = 4;
    public int InpaintingFill { get; set; }
    public bool InpaintFullRes { get; set; } = true;
    public int InpaintFullResPadding { get; set; }
    public int InpaintingMaskInvert { get; set; }
    public bool IncludeInitImages { get; set; }
}
