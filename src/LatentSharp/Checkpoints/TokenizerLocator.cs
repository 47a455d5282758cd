namespace LatentSharp.Checkpoints;

/// <summary>
/// Finds a CLIP tokenizer (vocab.json + merges.txt) for a single-file checkpoint, which carries none, in the
/// Hugging Face cache: openai/clip-vit-large-patch14 for SD 1.x, the SD 2.x repositories' tokenizer/ for SD 2.x,
/// the SDXL repositories' tokenizer/ (or OpenAI's CLIP) for SDXL.
/// </summary>
internal static class TokenizerLocator
{
    static readonly (string Repo, string Subfolder)[] Sd1Sources = [("openai/clip-vit-large-patch14", "")];

    static readonly (string Repo, string Subfolder)[] Sd2Sources =
    [
        ("stabilityai/stable-diffusion-2-1", "tokenizer"), ("stabilityai/stable-diffusion-2-1-base", "tokenizer"),
        ("stabilityai/stable-diffusion-2", "tokenizer"), ("stabilityai/stable-diffusion-2-base", "tokenizer"),
    ];

    /// <summary>
    /// SDXL's two tokenizers share CLIP's vocabulary (tokenizer_2 only pads with "!"), so one folder serves both:
    /// the SDXL repositories' tokenizer/, else OpenAI's CLIP.
    /// </summary>
    static readonly (string Repo, string Subfolder)[] SdxlSources =
    [
        ("stabilityai/stable-diffusion-xl-base-1.0", "tokenizer"), ("stabilityai/sdxl-turbo", "tokenizer"), .. Sd1Sources,
    ];

    /// <summary>Where a user can get the tokenizer of <paramref name="kind"/> (for error messages).</summary>
    public static string Suggestion(StableDiffusionKind kind) => kind switch
    {
        StableDiffusionKind.Sd1 => "openai/clip-vit-large-patch14",
        StableDiffusionKind.Sd2 => "stabilityai/stable-diffusion-2-1 (tokenizer/)",
        _ => "stabilityai/stable-diffusion-xl-base-1.0 (tokenizer/) or openai/clip-vit-large-patch14",
    };

    /// <summary>The Hugging Face hub cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.</summary>
    public static string DefaultHubCache()
    {
        if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } hub) return hub;
        string home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hf
            ? hf
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
        return Path.Combine(home, "hub");
    }

    /// <summary>A tokenizer folder for <paramref name="kind"/> in <paramref name="hubCache"/>, or null.</summary>
    public static string? Find(StableDiffusionKind kind, string? hubCache = null)
    {
        hubCache ??= DefaultHubCache();
        var sources = kind switch { StableDiffusionKind.Sd1 => Sd1Sources, StableDiffusionKind.Sd2 => Sd2Sources, _ => SdxlSources };
        foreach (var (repo, subfolder) in sources)
        {
            string repoDir = Path.Combine(hubCache, "models--" + repo.Replace("/", "--"));
            foreach (var snapshot in Snapshots(repoDir))
            {
                string folder = Path.Combine(snapshot, subfolder);
                if (IsTokenizerFolder(folder)) return folder;
            }
        }
        return null;
    }

    public static bool IsTokenizerFolder(string folder) =>
        File.Exists(Path.Combine(folder, "vocab.json")) && File.Exists(Path.Combine(folder, "merges.txt"));

    /// <summary>The snapshot refs/main points at first, then any other.</summary>
    static IEnumerable<string> Snapshots(string repoDir)
    {
        string snapshots = Path.Combine(repoDir, "snapshots");
        if (!Directory.Exists(snapshots)) yield break;
        string mainRef = Path.Combine(repoDir, "refs", "main");
        string? main = File.Exists(mainRef) ? File.ReadAllText(mainRef).Trim() : null;
        if (main is { Length: > 0 } && Directory.Exists(Path.Combine(snapshots, main))) yield return Path.Combine(snapshots, main);
        foreach (var dir in Directory.EnumerateDirectories(snapshots).Order(StringComparer.Ordinal))
            if (Path.GetFileName(dir) != main) yield return dir;
    }
}
