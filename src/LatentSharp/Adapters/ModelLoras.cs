using LatentSharp.Checkpoints;

namespace LatentSharp.Adapters;

/// <summary>A LoRA and how strongly it applies: A1111's &lt;lora:name:te:unet&gt; multipliers, diffusers' lora_scale.</summary>
/// <param name="File">The LoRA's weights (kept open by the caller while generations use it).</param>
/// <param name="UnetScale">The U-Net's multiplier.</param>
/// <param name="TextEncoderScale">The text encoder's multiplier (A1111's "te"; diffusers uses one scale for both).</param>
public sealed record LoraApplication(LoraFile File, double UnetScale, double TextEncoderScale)
{
    /// <summary>One multiplier for the U-Net and the text encoder(s) alike (<c>--lora FILE:SCALE</c>, <c>&lt;lora:name:scale&gt;</c>).</summary>
    public LoraApplication(LoraFile file, double scale = 1.0) : this(file, scale, scale) { }

    /// <summary>The multiplier for a component: "unet", else the text encoders'.</summary>
    public double ScaleFor(string component) => component == "unet" ? UnetScale : TextEncoderScale;
}

/// <summary>
/// The LoRAs merged into a model's weights (<see cref="StableDiffusionModel.Loras"/>). Merging makes a LoRA cost
/// nothing per step; <see cref="Set"/> always starts from the weights as loaded (restored exactly, see
/// <see cref="PristineWeights"/>), so applying, changing and removing LoRAs never accumulates rounding, and a
/// model whose LoRAs were removed computes bit for bit what it computed before. Several LoRAs add up, each with
/// its own scales; a scale of 0 leaves the model untouched. Not thread-safe: change LoRAs between generations.
/// </summary>
public sealed class ModelLoras
{
    readonly StableDiffusionModel model;
    readonly PristineWeights pristine;
    LoraModuleTable? table;

    internal ModelLoras(StableDiffusionModel model)
    {
        this.model = model;
        pristine = new PristineWeights(model);
    }

    /// <summary>The LoRAs now merged, in the order they were given.</summary>
    public IReadOnlyList<LoraApplication> Active { get; private set; } = [];

    /// <summary>The model's layer table (built on first use).</summary>
    public LoraModuleTable Table => table ??= LoraModuleTable.For(model);

    /// <summary>
    /// Makes <paramref name="loras"/> the model's LoRAs: checks every layer of every file against the model first
    /// (nothing changes if one does not fit), then restores the loaded weights and merges the new set.
    /// </summary>
    public void Set(IReadOnlyList<LoraApplication> loras)
    {
        if (loras.SequenceEqual(Active)) return;
        var plans = loras.Select(l => (Lora: l, Targets: Resolve(l.File))).ToList();
        pristine.RestoreAll();
        Active = [];
        try
        {
            foreach (var (lora, targets) in plans)
                foreach (var (layer, target) in targets)
                    Merge(lora.ScaleFor(target.Component), layer, target);
        }
        catch
        {
            pristine.RestoreAll();
            throw;
        }
        Active = loras.ToList();
    }

    void Merge(double scale, LoraLayer layer, LoraTarget target)
    {
        if (scale == 0) return;
        pristine.BeforeChange(target.Component, target.ModulePath + ".weight", target.Weight);
        LoraMerge.AddTo(target.Weight, layer, scale);
    }

    /// <summary>Removes every LoRA: the weights are as loaded again.</summary>
    public void Clear()
    {
        pristine.RestoreAll();
        Active = [];
    }

    /// <summary>
    /// Each layer of <paramref name="file"/> with the model layer it changes. Throws one line naming a few of the
    /// layers the model lacks, or whose shapes do not fit (a LoRA made for another model).
    /// </summary>
    public IReadOnlyList<(LoraLayer Layer, LoraTarget Target)> Resolve(LoraFile file)
    {
        var resolved = new List<(LoraLayer, LoraTarget)>();
        var missing = new List<string>();
        var misfit = new List<string>();
        foreach (var layer in file.Layers)
        {
            if (Table.Find(layer.Name) is not { } target) missing.Add(layer.Name);
            else if (!layer.Fits(target.Weight.shape))
                misfit.Add($"{layer.Name} [{layer.OutFeatures}×{layer.InElements}] on [{string.Join(", ", target.Weight.shape)}]");
            else resolved.Add((layer, target));
        }
        if (missing.Count + misfit.Count == 0) return resolved;
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{Count(missing.Count, "layer")} the model does not have ({Names(missing)})");
        if (misfit.Count > 0) parts.Add($"{Count(misfit.Count, "layer")} of another shape ({Names(misfit)})");
        throw new CheckpointException(file.Path, $"does not fit {model.Name}: {string.Join("; ", parts)}");
    }

    static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    static string Names(List<string> names) =>
        string.Join(", ", names.Take(3)) + (names.Count > 3 ? $", … {names.Count - 3} more" : "");
}
