using System.CommandLine;
using LatentSharp.Performance;

namespace LatentSharp.Cli.Generation;

/// <summary>The <c>--precision fp32|bf16</c> option shared by the generation and benchmark commands.</summary>
public static class PrecisionOption
{
    public static TextOption<Precision> Create(string description, Precision defaultValue = Precision.Fp32)
    {
        var option = new TextOption<Precision>("--precision", description, "P", text => PrecisionNames.TryParse(text)
            ?? throw new UsageException($"--precision must be one of {string.Join(", ", PrecisionNames.All)} (got '{text}')"), defaultValue.Name());
        option.CompletionSources.Add(PrecisionNames.All.ToArray());
        return option;
    }
}
