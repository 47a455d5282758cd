namespace LatentSharp.Cli.Generation;

/// <summary>Where generated images go: the --output path (numbered for a batch), or outputs/DATE-TIME-SEED.png.</summary>
public static class OutputPaths
{
    public static string[] For(string? output, IReadOnlyList<long> seeds)
    {
        if (output is null)
        {
            string stamp = DateTime.Now.ToString("yyyyMMdd-HHmmss");
            return seeds.Select(seed => Path.Combine("outputs", $"{stamp}-{seed}.png")).ToArray();
        }
        if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--output must be a .png file (got '{output}')");
        if (seeds.Count == 1) return [output];
        string stem = output[..^4];
        return seeds.Select((_, i) => $"{stem}-{i}.png").ToArray();
    }
}
