namespace LatentSharp.Training;

/// <summary>
/// The sample grid a diffusion run draws every <c>sample_every</c> steps: fixed prompts from fixed seeds,
/// so successive grids show what training changed and nothing else.
/// </summary>
public sealed record SampleSettings
{
    /// <summary>Prompts of the grid; null: <see cref="ShapesPresets.SamplePrompts"/>.</summary>
    public IReadOnlyList<string>? Prompts { get; init; }

    public int Steps { get; init; } = 25;
    public double GuidanceScale { get; init; } = 5.0;
    public long Seed { get; init; }

    public IReadOnlyList<string> PromptsOrDefault => Prompts ?? ShapesPresets.SamplePrompts;

    public SampleSettings Validate()
    {
        if (Steps < 1 || Steps > 1000) throw new LatentSharpException($"sample steps must be between 1 and 1000 (got {Steps})");
        if (GuidanceScale < 0) throw new LatentSharpException($"the guidance scale must not be negative (got {GuidanceScale})");
        if (Prompts is { Count: 0 }) throw new LatentSharpException("the sample grid needs at least one prompt");
        return this;
    }
}
