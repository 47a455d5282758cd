using System.Globalization;

namespace LatentSharp.Cli;

/// <summary>A usage mistake: shown to the user as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Parsed command-line arguments: positionals plus <c>--name value</c> / <c>--name=value</c> options and
/// <c>--flag</c> switches. Commands read what they need with typed getters that turn a bad value into a
/// one-line <see cref="UsageException"/>; <see cref="EnsureAllUsed"/> rejects options no one asked for.
/// </summary>
public sealed class Arguments
{
    readonly Dictionary<string, string?> options = new(StringComparer.Ordinal);
    readonly HashSet<string> used = new(StringComparer.Ordinal);
    readonly List<string> positionals = new();
    int positionalsUsed;

    public Arguments(IEnumerable<string> args, IReadOnlySet<string>? flags = null)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a == "--") { positionals.AddRange(list.Skip(i + 1)); break; }
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (flags?.Contains(name) != true && i + 1 < list.Count && !IsOption(list[i + 1])) value = list[++i];
                if (options.ContainsKey(name)) throw new UsageException($"--{name} is given twice");
                options[name] = value;
            }
            else positionals.Add(a);
        }
    }

    static bool IsOption(string s) => s.StartsWith("--", StringComparison.Ordinal) && s.Length > 2;

    public IReadOnlyList<string> Positionals => positionals;

    public bool Has(string name) { used.Add(name); return options.ContainsKey(name); }

    public bool Flag(string name)
    {
        if (!Has(name)) return false;
        string? v = options[name];
        return v is null || v is "true" or "1" or "yes"
            ? true
            : v is "false" or "0" or "no" ? false : throw new UsageException($"--{name} takes no value (got '{v}')");
    }

    public string? String(string name)
    {
        if (!Has(name)) return null;
        return options[name] ?? throw new UsageException($"--{name} needs a value");
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public string Required(string name) => String(name) ?? throw new UsageException($"--{name} is required");

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? s = String(name);
        if (s is null) return fallback;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"--{name} must be an integer (got '{s}')");
        if (v < min || v > max) throw new UsageException($"--{name} must be {Range(min, max)} (got {v})");
        return v;
    }

    public long Long(string name, long fallback)
    {
        string? s = String(name);
        if (s is null) return fallback;
        return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v : throw new UsageException($"--{name} must be an integer (got '{s}')");
    }

    public double Double(string name, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        string? s = String(name);
        if (s is null) return fallback;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"--{name} must be a number (got '{s}')");
        if (v < min || v > max) throw new UsageException($"--{name} must be {Range(min, max)} (got {v.ToString(CultureInfo.InvariantCulture)})");
        return v;
    }

    /// <summary>A comma-separated list of numbers, e.g. <c>--guidance 1,2,7.5</c>.</summary>
    public double[]? Doubles(string name)
    {
        string? s = String(name);
        if (s is null) return null;
        return s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p =>
            double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                ? v : throw new UsageException($"--{name} must be a comma-separated list of numbers (got '{s}')")).ToArray();
    }

    /// <summary>The next positional argument, or null.</summary>
    public string? Positional() => positionalsUsed < positionals.Count ? positionals[positionalsUsed++] : null;

    public string Positional(string what) => Positional() ?? throw new UsageException($"missing {what}");

    /// <summary>Fails on any option or positional that the command did not read.</summary>
    public void EnsureAllUsed()
    {
        var unknown = options.Keys.FirstOrDefault(k => !used.Contains(k));
        if (unknown != null) throw new UsageException($"unknown option --{unknown}");
        if (positionalsUsed < positionals.Count) throw new UsageException($"unexpected argument '{positionals[positionalsUsed]}'");
    }

    static string Range(double min, double max) =>
        double.IsNegativeInfinity(min) || min == int.MinValue ? $"≤ {max.ToString(CultureInfo.InvariantCulture)}"
        : double.IsPositiveInfinity(max) || max == int.MaxValue ? $"≥ {min.ToString(CultureInfo.InvariantCulture)}"
        : $"between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}";
}
