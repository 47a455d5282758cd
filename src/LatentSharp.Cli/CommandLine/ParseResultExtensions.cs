using System.CommandLine;

namespace LatentSharp.Cli;

public static class ParseResultExtensions
{
    /// <summary>Whether the user gave <paramref name="option"/> (as opposed to it taking its default).</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
