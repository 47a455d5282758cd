using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LatentSharp.Schedulers;

/// <summary>
/// A diffusers <c>scheduler/scheduler_config.json</c>. Every field is optional: a missing field means
/// "the class' own default", which each sampler fills in (diffusers' defaults differ per class, e.g.
/// timestep_spacing is "leading" for DDIM but "linspace" for Euler). Fields no sampler here reads are
/// kept in <see cref="Extra"/>, so a config read and written again loses nothing.
/// </summary>
public sealed record SchedulerConfig
{
    [JsonPropertyName("_class_name")] public string? ClassName { get; init; }
    [JsonPropertyName("_diffusers_version")] public string? DiffusersVersion { get; init; }

    /// <summary>Fields diffusers filled with the class default when it loaded the config (see <see cref="WithoutDefaultValues"/>).</summary>
    [JsonPropertyName("_use_default_values")] public string[]? UseDefaultValues { get; init; }

    // The training noise schedule.
    [JsonPropertyName("num_train_timesteps")] public int? NumTrainTimesteps { get; init; }
    [JsonPropertyName("beta_start")] public double? BetaStart { get; init; }
    [JsonPropertyName("beta_end")] public double? BetaEnd { get; init; }
    [JsonPropertyName("beta_schedule")] public string? BetaSchedule { get; init; }
    [JsonPropertyName("trained_betas")] public double[]? TrainedBetas { get; init; }
    [JsonPropertyName("rescale_betas_zero_snr")] public bool? RescaleBetasZeroSnr { get; init; }
    [JsonPropertyName("prediction_type")] public string? PredictionType { get; init; }

    // Which timesteps an N-step sampling run visits.
    [JsonPropertyName("timestep_spacing")] public string? TimestepSpacing { get; init; }
    [JsonPropertyName("steps_offset")] public int? StepsOffset { get; init; }
    [JsonPropertyName("use_karras_sigmas")] public bool? UseKarrasSigmas { get; init; }
    [JsonPropertyName("sigma_min")] public double? SigmaMin { get; init; }
    [JsonPropertyName("sigma_max")] public double? SigmaMax { get; init; }
    [JsonPropertyName("interpolation_type")] public string? InterpolationType { get; init; }
    [JsonPropertyName("timestep_type")] public string? TimestepType { get; init; }
    [JsonPropertyName("final_sigmas_type")] public string? FinalSigmasType { get; init; }
    [JsonPropertyName("lambda_min_clipped")] public double? LambdaMinClipped { get; init; }
    [JsonPropertyName("use_lu_lambdas")] public bool? UseLuLambdas { get; init; }

    // What happens to the predicted clean sample.
    [JsonPropertyName("clip_sample")] public bool? ClipSample { get; init; }
    [JsonPropertyName("clip_sample_range")] public double? ClipSampleRange { get; init; }
    [JsonPropertyName("thresholding")] public bool? Thresholding { get; init; }
    [JsonPropertyName("dynamic_thresholding_ratio")] public double? DynamicThresholdingRatio { get; init; }
    [JsonPropertyName("sample_max_value")] public double? SampleMaxValue { get; init; }
    [JsonPropertyName("set_alpha_to_one")] public bool? SetAlphaToOne { get; init; }

    // Sampler-specific.
    [JsonPropertyName("variance_type")] public string? VarianceType { get; init; }
    [JsonPropertyName("skip_prk_steps")] public bool? SkipPrkSteps { get; init; }
    [JsonPropertyName("algorithm_type")] public string? AlgorithmType { get; init; }
    [JsonPropertyName("solver_order")] public int? SolverOrder { get; init; }
    [JsonPropertyName("solver_type")] public string? SolverType { get; init; }
    [JsonPropertyName("lower_order_final")] public bool? LowerOrderFinal { get; init; }
    [JsonPropertyName("euler_at_final")] public bool? EulerAtFinal { get; init; }
    [JsonPropertyName("predict_x0")] public bool? PredictX0 { get; init; }
    [JsonPropertyName("disable_corrector")] public int[]? DisableCorrector { get; init; }
    [JsonPropertyName("original_inference_steps")] public int? OriginalInferenceSteps { get; init; }
    [JsonPropertyName("timestep_scaling")] public double? TimestepScaling { get; init; }

    /// <summary>Every other field of the file, as it was.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; init; }

    static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Parses config JSON as diffusers writes it (Python's json, which may contain bare NaN / Infinity).</summary>
    public static SchedulerConfig FromJson(string json) =>
        JsonSerializer.Deserialize<SchedulerConfig>(PythonJson.QuoteNonFiniteLiterals(json), Options)
        ?? throw new JsonException("the config is null");

    /// <summary>Reads a scheduler_config.json; any problem is one line naming the file.</summary>
    public static SchedulerConfig Load(string path)
    {
        try { return FromJson(File.ReadAllText(path)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new LatentSharpException($"{path}: file not found"); }
        catch (JsonException e) { throw new LatentSharpException($"{path}: not a valid scheduler config ({e.Message})"); }
        catch (IOException e) { throw new LatentSharpException($"{path}: {e.Message}"); }
    }

    /// <summary>The JSON diffusers reads back (non-finite numbers as Python's bare literals).</summary>
    public string ToJson() => PythonJson.UnquoteNonFiniteLiterals(JsonSerializer.Serialize(this, Options));

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson() + "\n");

    /// <summary>The timestep spacings diffusers' samplers know.</summary>
    public static IReadOnlyList<string> TimestepSpacings { get; } = ["leading", "trailing", "linspace"];

    /// <summary>The config with its timestep_spacing set (no longer one of the old class' mere defaults).</summary>
    public SchedulerConfig WithTimestepSpacing(string spacing) => this with
    {
        TimestepSpacing = spacing,
        UseDefaultValues = UseDefaultValues?.Where(name => name != "timestep_spacing").ToArray(),
    };

    /// <summary>
    /// The config without the fields listed in <c>_use_default_values</c>, as diffusers' <c>from_config</c>
    /// does: values that were only the old class' defaults give way to the new class' defaults.
    /// </summary>
    public SchedulerConfig WithoutDefaultValues()
    {
        if (UseDefaultValues is not { Length: > 0 }) return this;
        var node = JsonNode.Parse(JsonSerializer.Serialize(this, Options))!.AsObject();
        foreach (var name in UseDefaultValues.Append("_use_default_values")) node.Remove(name);
        return node.Deserialize<SchedulerConfig>(Options)!;
    }
}
