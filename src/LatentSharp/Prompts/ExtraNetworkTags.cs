using System.Globalization;
using System.Text.RegularExpressions;

namespace LatentSharp.Prompts;

/// <summary>One <c>&lt;type:arg:arg…&gt;</c> tag of a prompt: A1111's extra-network syntax.</summary>
/// <param name="Type">"lora", "hypernet", …</param>
/// <param name="Positional">The arguments without "=": for a LoRA the name, then the text-encoder and U-Net multipliers.</param>
/// <param name="Named">The "key=value" arguments (A1111's te=, unet=).</param>
public sealed record ExtraNetworkTag(string Type, IReadOnlyList<string> Positional, IReadOnlyDictionary<string, string> Named);

/// <summary>A LoRA named in a prompt, <c>&lt;lora:NAME&gt;</c>, <c>&lt;lora:NAME:SCALE&gt;</c> or <c>&lt;lora:NAME:TE:UNET&gt;</c> (and te=, unet=).</summary>
public sealed record LoraTag(string Name, double TextEncoderScale, double UnetScale);

/// <summary>
/// A1111's extra-network tags (<c>&lt;lora:name:0.8&gt;</c>): found with its pattern <c>&lt;(\w+):([^&gt;]+)&gt;</c>,
/// removed from the prompt before it is encoded, arguments split at ":" and "key=value" ones kept by name.
/// A LoRA's multiplier defaults to 1, its U-Net multiplier to the text encoder's.
/// </summary>
public static class ExtraNetworkTags
{
    static readonly Regex Tag = new(@"<(\w+):([^>]+)>", RegexOptions.CultureInvariant);

    /// <summary>The prompt without its tags, and the tags in order.</summary>
    public static (string Prompt, IReadOnlyList<ExtraNetworkTag> Tags) Extract(string prompt)
    {
        var tags = new List<ExtraNetworkTag>();
        string rest = Tag.Replace(prompt, m =>
        {
            var items = m.Groups[2].Value.Split(':');
            var positional = items.Where(i => !i.Contains('=')).ToList();
            var named = items.Where(i => i.Contains('=')).Select(i => i.Split('=', 2))
                .GroupBy(kv => kv[0].Trim()).ToDictionary(g => g.Key, g => g.Last()[1].Trim());
            tags.Add(new ExtraNetworkTag(m.Groups[1].Value, positional, named));
            return "";
        });
        return (rest, tags);
    }

    /// <summary>The LoRA tags among <paramref name="tags"/>, multipliers read as A1111 reads them; bad numbers are one-line errors.</summary>
    public static IReadOnlyList<LoraTag> Loras(IEnumerable<ExtraNetworkTag> tags) =>
        tags.Where(t => t.Type == "lora").Select(t =>
        {
            if (t.Positional.Count == 0 || t.Positional[0].Length == 0) throw new LatentSharpException("prompt: a <lora:…> tag names no LoRA");
            string name = t.Positional[0];
            double te = t.Positional.Count > 1 ? Number(t.Positional[1], name) : 1.0;
            if (t.Named.TryGetValue("te", out var teNamed)) te = Number(teNamed, name);
            double unet = t.Positional.Count > 2 ? Number(t.Positional[2], name) : te;
            if (t.Named.TryGetValue("unet", out var unetNamed)) unet = Number(unetNamed, name);
            return new LoraTag(name, te, unet);
        }).ToList();

    static double Number(string text, string lora) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v : throw new LatentSharpException($"prompt: <lora:{lora}:…> has '{text}' where a multiplier belongs");
}
