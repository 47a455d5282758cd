using System.Globalization;
using System.Text.RegularExpressions;

namespace LatentSharp.Imaging;

/// <summary>
/// The settings that produced an image, stored in its PNG as AUTOMATIC1111's "infotext":
/// <code>
/// a photo of a cat
/// Negative prompt: blurry
/// Steps: 20, Sampler: DPM++ 2M, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: sd15
/// </code>
/// The prompt, then an optional "Negative prompt:" line, then one line of "Key: value" pairs joined by
/// ", " (values with a comma, colon or newline JSON-quoted). Keys this record does not know are kept in
/// <see cref="Extra"/> in their order, so a parse/format round trip loses nothing. As in A1111, each prompt
/// line is read back trimmed, and a last line with fewer than three pairs is read as part of the prompt.
/// </summary>
public sealed partial record GenerationParameters
{
    public string Prompt { get; init; } = "";
    public string NegativePrompt { get; init; } = "";
    public int? Steps { get; init; }
    public string? Sampler { get; init; }
    public double? CfgScale { get; init; }
    public long? Seed { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public string? Model { get; init; }
    public double? DenoisingStrength { get; init; }

    /// <summary>Other "Key: value" pairs, written after the known ones in this order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extra { get; init; } = [];

    const string NegativePrefix = "Negative prompt:";

    // A1111's pattern: a key (word characters, spaces, '-' or '/'), a colon, then a JSON string or anything up to a comma.
    [GeneratedRegex(@"\s*(\w[\w \-/]+):\s*(""(?:\\.|[^\\""])+""|[^,]*)(?:,|$)")]
    private static partial Regex PairPattern();

    [GeneratedRegex(@"^\w[\w \-/]+$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^(\d+)x(\d+)$")]
    private static partial Regex SizePattern();

    /// <summary>The infotext, exactly as AUTOMATIC1111 writes it.</summary>
    public string Format()
    {
        string pairs = string.Join(", ", Pairs().Select(p => $"{CheckedKey(p.Key)}: {InfotextQuoting.Quote(p.Value)}"));
        string negative = NegativePrompt.Length > 0 ? $"\n{NegativePrefix} {NegativePrompt}" : "";
        return $"{Prompt}{negative}\n{pairs}".Trim();
    }

    public override string ToString() => Format();

    IEnumerable<KeyValuePair<string, string>> Pairs()
    {
        if (Steps is int steps) yield return new("Steps", Number(steps));
        if (Sampler is not null) yield return new("Sampler", Sampler);
        if (CfgScale is double cfg) yield return new("CFG scale", Number(cfg));
        if (Seed is long seed) yield return new("Seed", Number(seed));
        if (Width is int w && Height is int h) yield return new("Size", $"{Number(w)}x{Number(h)}");
        if (Model is not null) yield return new("Model", Model);
        if (DenoisingStrength is double strength) yield return new("Denoising strength", Number(strength));
        foreach (var pair in Extra) yield return pair;
    }

    static string Number(IFormattable n) => n.ToString(null, CultureInfo.InvariantCulture);

    static string CheckedKey(string key) => KeyPattern().IsMatch(key)
        ? key
        : throw new ArgumentException($"infotext key '{key}' must be a letter or digit followed by letters, digits, spaces, '-' or '/'");

    /// <summary>Reads an infotext written by LatentSharp, AUTOMATIC1111 or a compatible tool.</summary>
    public static GenerationParameters Parse(string infotext)
    {
        var lines = infotext.Trim().Split('\n').ToList();
        string pairLine = lines[^1];
        if (PairPattern().Matches(pairLine).Count < 3) pairLine = "";
        else lines.RemoveAt(lines.Count - 1);
        var (prompt, negative) = SplitPrompts(lines);
        return WithPairs(new GenerationParameters { Prompt = prompt, NegativePrompt = negative }, ReadPairs(pairLine));
    }

    static (string Prompt, string Negative) SplitPrompts(IEnumerable<string> lines)
    {
        var prompt = new List<string>();
        var negative = new List<string>();
        bool inNegative = false;
        foreach (var raw in lines)
        {
            string line = raw.Trim();
            if (line.StartsWith(NegativePrefix, StringComparison.Ordinal))
            {
                inNegative = true;
                line = line[NegativePrefix.Length..].Trim();
            }
            (inNegative ? negative : prompt).Add(line);
        }
        return (string.Join('\n', prompt), string.Join('\n', negative));
    }

    static IEnumerable<KeyValuePair<string, string>> ReadPairs(string line) =>
        PairPattern().Matches(line).Select(m => new KeyValuePair<string, string>(m.Groups[1].Value, InfotextQuoting.Unquote(m.Groups[2].Value)));

    /// <summary>Known keys fill the typed properties; unknown keys, and known ones whose value does not parse, go to <see cref="Extra"/>.</summary>
    static GenerationParameters WithPairs(GenerationParameters p, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var extra = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in pairs)
        {
            var updated = WithKnown(p, key, value);
            if (updated is null) extra.Add(new(key, value));
            else p = updated;
        }
        return p with { Extra = extra };
    }

    static GenerationParameters? WithKnown(GenerationParameters p, string key, string value) => key switch
    {
        "Steps" when p.Steps is null && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int steps) => p with { Steps = steps },
        "Sampler" when p.Sampler is null => p with { Sampler = value },
        "CFG scale" when p.CfgScale is null && TryDouble(value, out double cfg) => p with { CfgScale = cfg },
        "Seed" when p.Seed is null && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed) => p with { Seed = seed },
        "Size" when p.Width is null && SizePattern().Match(value) is { Success: true } m
            && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, out int h) => p with { Width = w, Height = h },
        "Model" when p.Model is null => p with { Model = value },
        "Denoising strength" when p.DenoisingStrength is null && TryDouble(value, out double strength) => p with { DenoisingStrength = strength },
        _ => null,
    };

    static bool TryDouble(string s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    public bool Equals(GenerationParameters? other) =>
        other is not null && Prompt == other.Prompt && NegativePrompt == other.NegativePrompt && Steps == other.Steps
        && Sampler == other.Sampler && CfgScale == other.CfgScale && Seed == other.Seed && Width == other.Width
        && Height == other.Height && Model == other.Model && DenoisingStrength == other.DenoisingStrength
        && Extra.SequenceEqual(other.Extra);

    public override int GetHashCode() => HashCode.Combine(Prompt, NegativePrompt, Steps, Sampler, CfgScale, Seed, Model, Extra.Count);
}
