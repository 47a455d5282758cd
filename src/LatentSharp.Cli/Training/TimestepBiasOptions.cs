using System.CommandLine;
using LatentSharp.Training;

namespace LatentSharp.Cli.Training;

/// <summary>
/// Which timesteps a run draws more often (diffusers' --timestep_bias_*), declared once for `sd train unet` and
/// `sd train phrasings`, each with its own defaults.
/// </summary>
public sealed class TimestepBiasOptions
{
    public TimestepBiasOptions(TimestepBias defaults)
    {
        Strategy = CliOption.Choice("--timestep-bias",
            "draw these timesteps more often: later (the noisiest, where the layout is decided), earlier, none (diffusers' --timestep_bias_strategy)",
            TimestepBias.Strategies.ToDictionary(s => s, s => s), defaults.Strategy);
        Multiplier = CliOption.Double("--timestep-bias-multiplier", "how many times as often the biased timesteps are drawn", defaults.Multiplier, 1e-3, 1000);
        Portion = CliOption.Double("--timestep-bias-portion", "share of the timesteps biased", defaults.Portion, 1e-3, 1);
    }

    public TextOption<string> Strategy { get; }
    public Option<double> Multiplier { get; }
    public Option<double> Portion { get; }

    public IReadOnlyList<Option> All => [Strategy, Multiplier, Portion];

    public TimestepBias Read(ParseResult parse) => new()
    {
        Strategy = Strategy.Read(parse),
        Multiplier = parse.GetValue(Multiplier),
        Portion = parse.GetValue(Portion),
    };
}
