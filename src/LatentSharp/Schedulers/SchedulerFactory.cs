namespace LatentSharp.Schedulers;

/// <summary>
/// Builds samplers by CLI name or by a config's <c>_class_name</c>. A name swaps the sampler of a model the
/// way diffusers' <c>Cls.from_config(pipe.scheduler.config)</c> does: the model's noise schedule, prediction
/// type, timestep spacing etc. are kept, fields diffusers marked as mere defaults of the old class give
/// way to the new class' defaults, and the name may fix a few sampler settings (e.g. Karras σs).
/// </summary>
public static class SchedulerFactory
{
    sealed record Entry(string ClassName, Func<SchedulerConfig, SchedulerConfig> Adjust);

    static readonly (string Name, Entry Entry)[] ByName =
    [
        ("ddpm", new("DDPMScheduler", c => c)),
        ("ddim", new("DDIMScheduler", c => c)),
        ("pndm", new("PNDMScheduler", c => c)),
        ("lms", new("LMSDiscreteScheduler", c => c)),
        ("euler", new("EulerDiscreteScheduler", c => c)),
        ("euler_a", new("EulerAncestralDiscreteScheduler", c => c)),
        ("heun", new("HeunDiscreteScheduler", c => c)),
        ("dpmpp_2m", new("DPMSolverMultistepScheduler", c => c with { AlgorithmType = "dpmsolver++", SolverOrder = 2, UseKarrasSigmas = false })),
        ("dpmpp_2m_karras", new("DPMSolverMultistepScheduler", c => c with { AlgorithmType = "dpmsolver++", SolverOrder = 2, UseKarrasSigmas = true })),
        ("unipc", new("UniPCMultistepScheduler", c => c)),
        ("lcm", new("LCMScheduler", c => c)),
    ];

    static readonly Dictionary<string, Func<SchedulerConfig, IScheduler>> ByClassName = new()
    {
        ["DDPMScheduler"] = c => new DdpmScheduler(c),
        ["DDIMScheduler"] = c => new DdimScheduler(c),
        ["PNDMScheduler"] = c => new PndmScheduler(c),
        ["LMSDiscreteScheduler"] = c => new LmsDiscreteScheduler(c),
        ["EulerDiscreteScheduler"] = c => new EulerDiscreteScheduler(c),
        ["EulerAncestralDiscreteScheduler"] = c => new EulerAncestralDiscreteScheduler(c),
        ["HeunDiscreteScheduler"] = c => new HeunDiscreteScheduler(c),
        ["DPMSolverMultistepScheduler"] = c => new DpmSolverMultistepScheduler(c),
        ["UniPCMultistepScheduler"] = c => new UniPcMultistepScheduler(c),
        ["LCMScheduler"] = c => new LcmScheduler(c),
    };

    /// <summary>The sampler names the CLI accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ByName.Select(n => n.Name).ToArray();

    /// <summary>The sampler <paramref name="name"/> on the noise schedule of <paramref name="baseConfig"/> (a model's scheduler config).</summary>
    public static IScheduler Create(string name, SchedulerConfig baseConfig)
    {
        var entry = ByName.FirstOrDefault(n => n.Name == name).Entry
            ?? throw new LatentSharpException($"unknown scheduler '{name}' (valid: {string.Join(", ", Names)})");
        return FromConfig(entry.Adjust(baseConfig.WithoutDefaultValues() with { ClassName = entry.ClassName }));
    }

    /// <summary>The sampler the config's <c>_class_name</c> names.</summary>
    public static IScheduler FromConfig(SchedulerConfig config)
    {
        var className = config.ClassName ?? throw new LatentSharpException("the scheduler config has no _class_name");
        return ByClassName.TryGetValue(className, out var create)
            ? create(config.WithoutDefaultValues())
            : throw new LatentSharpException(
                $"scheduler class '{className}' is not supported (supported: {string.Join(", ", ByClassName.Keys)})");
    }
}
