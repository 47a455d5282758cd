using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentSharp.Hub;

/// <summary>
/// Which files of a diffusers pipeline repository LatentSharp needs: model_index.json and, for each component
/// it lists that LatentSharp uses, the component's configs, tokenizer files and one safetensors file per weights
/// file — the ".fp16" variant when half precision is wanted (or when it is all there is), else the full one.
/// Safety checkers, feature extractors, pickled weights (.bin, .ckpt) and other variants are never fetched.
/// </summary>
internal static class PipelineFiles
{
    public const string ModelIndex = "model_index.json";
    const string HalfVariant = "fp16";

    /// <summary>Components a pipeline may list that LatentSharp never loads (the safety checker alone is 1.2 GB).</summary>
    static readonly HashSet<string> Unused = ["safety_checker", "feature_extractor", "image_encoder"];

    static readonly string[] PickleExtensions = [".bin", ".ckpt", ".pt", ".pth"];

    /// <summary>
    /// The component folders model_index.json declares (an entry <c>[library, class]</c> with both set) and
    /// LatentSharp uses.
    /// </summary>
    public static IReadOnlyList<string> Components(string modelIndexJson, string source)
    {
        JsonObject index;
        try
        {
            index = JsonNode.Parse(modelIndexJson) as JsonObject ?? throw new LatentSharpException($"{source}: {ModelIndex} is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new LatentSharpException($"{source}: {ModelIndex} is not valid JSON ({e.Message.Split('\n')[0]})");
        }
        return index
            .Where(p => !p.Key.StartsWith('_') && !Unused.Contains(p.Key)
                && p.Value is JsonArray { Count: 2 } entry && entry[0] is JsonValue && entry[1] is JsonValue)
            .Select(p => p.Key)
            .Where(IsSafeFolderName)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The files to fetch among <paramref name="available"/> (repository-relative paths with '/').
    /// Throws a one-line <see cref="LatentSharpException"/> for a component with only pickled weights.
    /// </summary>
    public static IReadOnlyList<string> Select(IReadOnlyCollection<string> available, IReadOnlyList<string> components, bool preferHalf, string source)
    {
        var chosen = new List<string> { ModelIndex };
        foreach (string component in components)
        {
            var files = available.Where(p => p.StartsWith(component + "/", StringComparison.Ordinal) && p.IndexOf('/', component.Length + 1) < 0)
                .Select(p => p[(component.Length + 1)..]).ToList();
            if (files.Count == 0) throw new LatentSharpException($"{source}: {ModelIndex} lists {component} but the repository has no {component}/ folder");
            chosen.AddRange(files.Where(IsSmallSupportFile).Select(f => $"{component}/{f}"));
            chosen.AddRange(Weights(files, preferHalf).Select(f => $"{component}/{f}"));
            if (!IsWeightless(component) && !files.Any(f => f.EndsWith(".safetensors", StringComparison.Ordinal)))
                throw new LatentSharpException(
                    files.FirstOrDefault(f => PickleExtensions.Any(e => f.EndsWith(e, StringComparison.Ordinal))) is { } pickled
                        ? $"{source} has no safetensors for {component}, only pickled weights ({component}/{pickled}), which LatentSharp never loads"
                        : $"{source} has no safetensors weights for {component}");
        }
        return chosen;
    }

    /// <summary>
    /// One safetensors file per weights stem (<c>stem.safetensors</c> / <c>stem.fp16.safetensors</c>): the wanted
    /// precision's when present, else the other.
    /// </summary>
    static IEnumerable<string> Weights(IEnumerable<string> files, bool preferHalf)
    {
        var byStem = files.Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal))
            .GroupBy(f => Stem(f).Stem, StringComparer.Ordinal);
        foreach (var group in byStem)
        {
            var full = group.FirstOrDefault(f => Stem(f).Variant is null);
            var half = group.FirstOrDefault(f => Stem(f).Variant == HalfVariant);
            if ((preferHalf ? half ?? full : full ?? half) is { } pick) yield return pick;
        }
    }

    /// <summary>"model.fp16.safetensors" → ("model", "fp16"); "model.safetensors" → ("model", null).</summary>
    static (string Stem, string? Variant) Stem(string file)
    {
        string name = file[..^".safetensors".Length];
        int dot = name.LastIndexOf('.');
        return dot > 0 ? (name[..dot], name[(dot + 1)..]) : (name, null);
    }

    /// <summary>Configs and tokenizer files: JSON and text, never a shard index (sharded weights are not supported).</summary>
    static bool IsSmallSupportFile(string file) =>
        (file.EndsWith(".json", StringComparison.Ordinal) && !file.EndsWith(".index.json", StringComparison.Ordinal))
        || file.EndsWith(".txt", StringComparison.Ordinal) || file.EndsWith(".model", StringComparison.Ordinal);

    /// <summary>A component name becomes a folder name: no separators, no "..".</summary>
    static bool IsSafeFolderName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') && name != "." && name != "..";

    /// <summary>Whether a local snapshot folder has what <see cref="Select"/> would fetch for it: model_index.json, and weights for every weighted component.</summary>
    public static bool IsComplete(string snapshot)
    {
        string indexPath = Path.Combine(snapshot, ModelIndex);
        if (!File.Exists(indexPath)) return false;
        IReadOnlyList<string> components;
        try
        {
            components = Components(File.ReadAllText(indexPath), snapshot);
        }
        catch (LatentSharpException)
        {
            return false;
        }
        foreach (string component in components)
        {
            string folder = Path.Combine(snapshot, component);
            // File.Exists follows the snapshot's links: a dangling link (blob deleted) counts as missing.
            var files = Directory.Exists(folder) ? Directory.EnumerateFileSystemEntries(folder).Where(File.Exists).Select(Path.GetFileName).ToList() : [];
            if (!files.Any(f => f!.EndsWith(".json", StringComparison.Ordinal))) return false;
            if (!IsWeightless(component) && !files.Any(f => f!.EndsWith(".safetensors", StringComparison.Ordinal))) return false;
        }
        return true;
    }

    /// <summary>Components made of configs alone.</summary>
    static bool IsWeightless(string component) => component.StartsWith("tokenizer", StringComparison.Ordinal) || component == "scheduler";
}
