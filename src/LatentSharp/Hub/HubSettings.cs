namespace LatentSharp.Hub;

/// <summary>
/// Where the Hugging Face cache is and how to reach the Hub, read from the environment variables every
/// Hugging Face tool reads, so LatentSharp shares their cache and their login.
/// </summary>
public sealed record HubSettings
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The cache root holding <c>models--org--name</c> folders: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>$HF_ENDPOINT (a mirror, or a test server), else https://huggingface.co.</summary>
    public Uri Endpoint { get; init; } = new(DefaultEndpoint);

    /// <summary>$HF_HUB_OFFLINE: never contact the Hub; a model must already be in the cache.</summary>
    public bool Offline { get; init; }

    /// <summary>$HF_TOKEN, else the token `hf auth login` saved in $HF_HOME/token; sent only to <see cref="Endpoint"/>.</summary>
    public string? Token { get; init; }

    /// <summary>A stalled download (no byte for this long) is dropped and resumed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts per file when the connection drops; each resumes where the last one stopped.</summary>
    public int Attempts { get; init; } = 5;

    /// <summary>Pause before attempt k+1: k × this.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public static HubSettings FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>The settings <paramref name="variable"/> (an environment) describes.</summary>
    public static HubSettings FromVariables(Func<string, string?> variable)
    {
        string? Variable(string name) => variable(name) is { Length: > 0 } v ? v : null;
        string home = Variable("HF_HOME")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
        string cache = Variable("HF_HUB_CACHE") ?? Variable("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(home, "hub");
        string? endpoint = Variable("HF_ENDPOINT");
        return new HubSettings
        {
            CacheDirectory = cache,
            Endpoint = endpoint is null ? new Uri(DefaultEndpoint) : ParseEndpoint(endpoint),
            Offline = IsTrue(Variable("HF_HUB_OFFLINE")),
            Token = Variable("HF_TOKEN") ?? Variable("HUGGING_FACE_HUB_TOKEN") ?? SavedToken(home),
        };
    }

    static Uri ParseEndpoint(string text) =>
        Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new LatentSharpException($"HF_ENDPOINT must be an http(s) URL (got '{text}')");

    static string? SavedToken(string home)
    {
        string path = Path.Combine(home, "token");
        try
        {
            return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>huggingface_hub's reading of boolean variables: 1, true, yes, on.</summary>
    static bool IsTrue(string? value) => value?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";
}
