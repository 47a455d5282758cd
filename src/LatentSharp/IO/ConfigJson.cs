using System.Text.Json;
using System.Text.Json.Serialization;
using LatentSharp.Checkpoints;

namespace LatentSharp;

/// <summary>
/// Reads and writes the model configs as diffusers / transformers spell them in config.json:
/// snake_case field names, fields we do not model kept as they are (each config record has an
/// extension-data dictionary), so a config read and written back loses nothing.
/// </summary>
public static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        IndentSize = 2,
        NumberHandling = JsonNumberHandling.Strict,
        // Derived values (a config's head_dim, blocks, downscale_factor) are not config.json fields.
        IgnoreReadOnlyProperties = true,
    };

    /// <summary>Parses a config; <paramref name="source"/> names it in the one-line error.</summary>
    public static T Parse<T>(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new CheckpointException(source, "config is JSON null");
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 1 } path ? $" at {path.TrimStart('$', '.')}" : "";
            throw new CheckpointException(source, $"invalid config{where}: {FirstSentence(e.Message)}");
        }
    }

    public static T Read<T>(string path)
    {
        string json;
        try { json = File.ReadAllText(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new CheckpointException(path, "file not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CheckpointException(path, e.Message); }
        return Parse<T>(json, path);
    }

    public static string Serialize<T>(T config) => JsonSerializer.Serialize(config, Options) + "\n";

    public static void Write<T>(string path, T config) => AtomicFile.WriteAllText(path, Serialize(config));

    static string FirstSentence(string message)
    {
        string line = message.Split('\n')[0].Trim();
        int cut = line.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? line[..cut] : line;
    }
}
