using LatentSharp.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Adapters;

/// <summary>
/// Gives weights changed in place (merged LoRAs) back their values as loaded, bit for bit, without keeping a
/// second copy of the model in memory: a model loaded from disk reads the changed tensors again from its own
/// checkpoint, exactly as loading read them (<see cref="WeightLoader.Reload"/>); only a model built in memory
/// (no file to read from) keeps a copy of each weight before its first change. The checkpoint's files are
/// fingerprinted (length, modification time) when the first weight changes, and a restore from files that
/// have changed since is refused rather than done from different values.
/// </summary>
internal sealed class PristineWeights(StableDiffusionModel model)
{
    readonly Dictionary<string, Dictionary<string, Parameter>> changed = new(StringComparer.Ordinal);
    readonly Dictionary<Parameter, Tensor> copies = new(ReferenceEqualityComparer.Instance);
    List<(string Path, long Length, DateTime Modified)>? fingerprints;

    /// <summary>Whether any weight differs from the loaded model.</summary>
    public bool AnyChanged => changed.Count > 0;

    /// <summary>Call before changing <paramref name="weight"/> (parameter <paramref name="name"/> of <paramref name="component"/>).</summary>
    public void BeforeChange(string component, string name, Parameter weight)
    {
        var names = changed.TryGetValue(component, out var n) ? n : changed[component] = new(StringComparer.Ordinal);
        if (!names.TryAdd(name, weight)) return;
        if (model.SourcePath is null)
            copies[weight] = weight.detach().clone().DetachFromDisposeScope();
        else
            fingerprints ??= WithCheckpoint(checkpoint => Files(checkpoint).Select(Fingerprint).ToList());
    }

    /// <summary>Every changed weight back to its loaded value.</summary>
    public void RestoreAll()
    {
        if (!AnyChanged) return;
        if (model.SourcePath is null) RestoreCopies();
        else RestoreFromCheckpoint();
        changed.Clear();
    }

    void RestoreCopies()
    {
        using var noGrad = no_grad();
        foreach (var (weight, copy) in copies)
        {
            weight.copy_(copy);
            copy.Dispose();
        }
        copies.Clear();
    }

    void RestoreFromCheckpoint() => WithCheckpoint(checkpoint =>
    {
        var now = Files(checkpoint).Select(Fingerprint).ToList();
        if (fingerprints is null || !now.SequenceEqual(fingerprints))
            throw new LatentSharpException($"{model.SourcePath}: the model's files changed on disk since LoRAs were applied; " +
                                           "reload the model to remove them");
        foreach (var (component, names) in changed)
        {
            var (module, weights) = Component(checkpoint, component);
            WeightLoader.Reload(module, weights, names.Keys.ToHashSet(StringComparer.Ordinal));
        }
        return 0;
    });

    T WithCheckpoint<T>(Func<StableDiffusionCheckpoint, T> use)
    {
        var dtype = model.Unet.parameters().First().dtype;
        using var checkpoint = StableDiffusionCheckpoint.Open(model.SourcePath!, model.TokenizerPath, dtype, model.ConfigFolder);
        return use(checkpoint);
    }

    (nn.Module Module, ComponentWeights Weights) Component(StableDiffusionCheckpoint checkpoint, string component) => component switch
    {
        "unet" => (model.Unet, checkpoint.UnetWeights),
        "text_encoder" => (model.TextEncoder, checkpoint.TextEncoderWeights),
        "text_encoder_2" when model.TextEncoder2 is { } second && checkpoint.TextEncoder2Weights is { } weights => (second, weights),
        _ => throw new InvalidOperationException($"no component '{component}' to restore"),
    };

    static IEnumerable<string> Files(StableDiffusionCheckpoint checkpoint) =>
        new[] { checkpoint.UnetWeights, checkpoint.TextEncoderWeights, checkpoint.TextEncoder2Weights }.OfType<ComponentWeights>()
            .Select(w => w.File.Path).Distinct();

    static (string, long, DateTime) Fingerprint(string path)
    {
        var info = new FileInfo(path);
        return (path, info.Exists ? info.Length : -1, info.Exists ? info.LastWriteTimeUtc : default);
    }
}
