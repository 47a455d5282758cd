using System.CommandLine;
using System.Globalization;

namespace LatentSharp.Cli;

/// <summary>
/// Factories for System.CommandLine options with the project's checks and one-line errors ("--steps must be between
/// 1 and 1000 (got 0)"): System.CommandLine tokenizes, shows the defaults in --help, completes and reports; these add
/// the invariant-culture parsing, the ranges and the wording every command shares. An option without a default
/// (the <c>Optional*</c> ones) is null when not given. Lists and names are <see cref="TextOption{T}"/>s, so that --help
/// shows their defaults as a user types them.
/// </summary>
public static class CliOption
{
    public static Option<int> Int(string name, string description, int defaultValue, int min = int.MinValue, int max = int.MaxValue, string helpName = "N") =>
        Create(name, description, helpName, text => ParseInt(name, text, min, max), () => defaultValue);

    public static Option<int?> OptionalInt(string name, string description, int min = int.MinValue, int max = int.MaxValue, string helpName = "N") =>
        Create<int?>(name, description, helpName, text => ParseInt(name, text, min, max));

    public static Option<long> Long(string name, string description, long defaultValue, string helpName = "N") =>
        Create(name, description, helpName, text => ParseLong(name, text), () => defaultValue);

    public static Option<long?> OptionalLong(string name, string description, string helpName = "N") =>
        Create<long?>(name, description, helpName, text => ParseLong(name, text));

    public static Option<double> Double(string name, string description, double defaultValue,
        double min = double.NegativeInfinity, double max = double.PositiveInfinity, string helpName = "X") =>
        Create(name, description, helpName, text => ParseDouble(name, text, min, max), () => defaultValue);

    public static Option<double?> OptionalDouble(string name, string description,
        double min = double.NegativeInfinity, double max = double.PositiveInfinity, string helpName = "X") =>
        Create<double?>(name, description, helpName, text => ParseDouble(name, text, min, max));

    /// <summary>A comma-separated list of numbers, e.g. <c>--guidance 1,2,7.5</c>.</summary>
    public static Option<double[]> Doubles(string name, string description, double[] defaultValue, string helpName = "LIST") =>
        Create(name, description, helpName, text => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                ? v : throw new UsageException($"{name} must be a comma-separated list of numbers (got '{text}')")).ToArray(),
            () => defaultValue);

    public static Option<string> String(string name, string description, string defaultValue, string helpName = "TEXT") =>
        Create(name, description, helpName, text => text, () => defaultValue);

    /// <summary>A text option without a default (null when not given); <paramref name="required"/> makes leaving it out a usage error.</summary>
    public static Option<string?> OptionalString(string name, string description, string helpName = "TEXT", bool required = false)
    {
        var option = Create<string?>(name, description, helpName, text => text);
        option.Required = required;
        return option;
    }

    /// <summary>A switch: <c>--json</c> (no value; <c>--json=false</c> also works).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>One of a fixed set of names; completion offers them. Read the value with <see cref="TextOption{T}.Read"/>.</summary>
    public static TextOption<T> Choice<T>(string name, string description, IReadOnlyDictionary<string, T> choices, string defaultName)
    {
        var option = new TextOption<T>(name, description, "NAME", text => choices.TryGetValue(text, out var value)
            ? value : throw new UsageException($"{name} must be {OneOf(choices.Keys)} (got '{text}')"), defaultName);
        option.CompletionSources.Add(choices.Keys.ToArray());
        return option;
    }

    /// <summary>An option whose value <paramref name="parse"/> reads (throwing <see cref="UsageException"/> for bad text).</summary>
    public static Option<T> Parsed<T>(string name, string description, string helpName, Func<string, T> parse, Func<T>? defaultValue = null) =>
        Create(name, description, helpName, parse, defaultValue);

    /// <summary>"a, b or c".</summary>
    public static string OneOf(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 1 ? string.Join("", list) : $"{string.Join(", ", list.Take(list.Count - 1))} or {list[^1]}";
    }

    static Option<T> Create<T>(string name, string description, string helpName, Func<string, T> parse, Func<T>? defaultValue = null)
    {
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = helpName,
            // The last token: System.CommandLine itself reports an option given twice.
            CustomParser = result =>
            {
                try
                {
                    return parse(result.Tokens.Count > 0 ? result.Tokens[^1].Value : "");
                }
                catch (UsageException e)
                {
                    result.AddError(e.Message);
                    return default!;
                }
            },
        };
        if (defaultValue != null) option.DefaultValueFactory = _ => defaultValue();
        return option;
    }

    static int ParseInt(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"{name} must be an integer (got '{text}')");
        return v >= min && v <= max ? v : throw new UsageException($"{name} must be {Range(min, max)} (got {v})");
    }

    static long ParseLong(string name, string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v : throw new UsageException($"{name} must be an integer (got '{text}')");

    static double ParseDouble(string name, string text, double min, double max)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"{name} must be a number (got '{text}')");
        return v >= min && v <= max ? v : throw new UsageException($"{name} must be {Range(min, max)} (got {v.ToString(CultureInfo.InvariantCulture)})");
    }

    static string Range(double min, double max) =>
        double.IsNegativeInfinity(min) || min == int.MinValue ? $"≤ {max.ToString(CultureInfo.InvariantCulture)}"
        : double.IsPositiveInfinity(max) || max == int.MaxValue ? $"≥ {min.ToString(CultureInfo.InvariantCulture)}"
        : $"between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}";
}
