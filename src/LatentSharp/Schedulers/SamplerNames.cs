namespace LatentSharp.Schedulers;

/// <summary>
/// The samplers' names in AUTOMATIC1111's vocabulary ("Euler a", "DPM++ 2M Karras", ...) beside ours
/// (<see cref="SchedulerFactory.Names"/>): PNG infotext and the A1111-compatible API speak A1111's.
/// </summary>
public static class SamplerNames
{
    static readonly (string Cli, string A1111)[] Pairs =
    [
        ("ddpm", "DDPM"),
        ("ddim", "DDIM"),
        ("pndm", "PLMS"),
        ("lms", "LMS"),
        ("euler", "Euler"),
        ("euler_a", "Euler a"),
        ("heun", "Heun"),
        ("dpmpp_2m", "DPM++ 2M"),
        ("dpmpp_2m_karras", "DPM++ 2M Karras"),
        ("unipc", "UniPC"),
        ("lcm", "LCM"),
    ];

    static readonly Dictionary<string, string> ClassToCli = new()
    {
        ["DDPMScheduler"] = "ddpm",
        ["DDIMScheduler"] = "ddim",
        ["PNDMScheduler"] = "pndm",
        ["LMSDiscreteScheduler"] = "lms",
        ["EulerDiscreteScheduler"] = "euler",
        ["EulerAncestralDiscreteScheduler"] = "euler_a",
        ["HeunDiscreteScheduler"] = "heun",
        ["UniPCMultistepScheduler"] = "unipc",
        ["LCMScheduler"] = "lcm",
    };

    public static IEnumerable<string> A1111Names => Pairs.Select(p => p.A1111);

    public static string ToA1111(string cliName) =>
        Pairs.FirstOrDefault(p => p.Cli == cliName).A1111 ?? cliName;

    /// <summary>Our name for an A1111 sampler name (case-insensitive; our own names are accepted too), or null.</summary>
    public static string? FromA1111(string name)
    {
        var pair = Pairs.FirstOrDefault(p => string.Equals(p.A1111, name, StringComparison.OrdinalIgnoreCase)
                                             || string.Equals(p.Cli, name, StringComparison.OrdinalIgnoreCase));
        return pair.Cli;
    }

    /// <summary>Our name for the sampler a scheduler config describes (a model's own scheduler).</summary>
    public static string FromConfig(SchedulerConfig config) => config.ClassName switch
    {
        "DPMSolverMultistepScheduler" => config.UseKarrasSigmas == true ? "dpmpp_2m_karras" : "dpmpp_2m",
        { } name when ClassToCli.TryGetValue(name, out var cli) => cli,
        var name => throw new LatentSharpException($"scheduler class '{name}' has no sampler name"),
    };
}
