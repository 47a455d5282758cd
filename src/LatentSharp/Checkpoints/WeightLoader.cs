using LatentSharp.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// Fills a model's parameters from a checkpoint, one tensor at a time: each stored tensor is read (in its
/// stored dtype), converted into the parameter's memory and released before the next, so loading never
/// holds the model twice. Every name and shape is checked against the file header before any data is read.
/// </summary>
internal static class WeightLoader
{
    const int NamesShown = 3;

    /// <summary>A parameter and the stored tensor that feeds it.</summary>
    public sealed record Assignment(string Name, Parameter Parameter, WeightSource Source, long[] StoredShape);

    /// <summary>
    /// Loads <paramref name="weights"/> into <paramref name="model"/>, which may be built on the meta device:
    /// its parameters then get fresh storage of <paramref name="dtype"/> before the data is read.
    /// </summary>
    /// <param name="bytesRead">Called after each tensor with the stored bytes it took (see <see cref="StoredBytes(nn.Module, ComponentWeights)"/>).</param>
    public static void Load(nn.Module model, ComponentWeights weights, ScalarType dtype, Action<long>? bytesRead = null)
    {
        Plan(model, weights);
        if (model.parameters().Any(p => p.device_type == DeviceType.META)) ParameterStorage.AllocateEmpty(model, dtype);
        foreach (var assignment in Plan(model, weights))
        {
            Read(weights.File, assignment);
            bytesRead?.Invoke(StoredBytes(weights.File, assignment));
        }
        model.eval();
    }

    /// <summary>The stored bytes loading <paramref name="model"/> reads (what <see cref="Load"/> reports in all).</summary>
    public static long StoredBytes(nn.Module model, ComponentWeights weights) => Plan(model, weights).Sum(a => StoredBytes(weights.File, a));

    static long StoredBytes(SafetensorsFile file, Assignment a) => file.Entry(a.Source.Key).ByteLength / a.Source.Chunks;

    /// <summary>
    /// Reads the named parameters of an already loaded model again, exactly as <see cref="Load"/> read them
    /// (same stored tensors, same conversion): restores weights that were changed in place (merged LoRAs) bit for bit.
    /// </summary>
    public static void Reload(nn.Module model, ComponentWeights weights, IReadOnlySet<string> names)
    {
        using var noGrad = no_grad();
        foreach (var assignment in Plan(model, weights).Where(a => names.Contains(a.Name))) Read(weights.File, assignment);
    }

    /// <summary>
    /// Matches every parameter to its stored tensor. Throws one <see cref="CheckpointException"/> line naming
    /// missing, unexpected and mis-shaped weights (the first few of each, with counts).
    /// </summary>
    public static IReadOnlyList<Assignment> Plan(nn.Module model, ComponentWeights weights)
    {
        var file = weights.File;
        var assignments = new List<Assignment>();
        var missing = new List<string>();
        var misshaped = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var source = weights.Locate(name);
            if (source is null || !file.Contains(source.Key))
            {
                missing.Add(source?.Key ?? name);
                continue;
            }
            used.Add(source.Key);
            var stored = StoredShape(file.Entry(source.Key), source);
            if (stored is null || !Compatible(stored, parameter.shape))
                misshaped.Add($"{source.Key} {Shape(file.Entry(source.Key).Shape)} in the file, {Shape(parameter.shape)} expected");
            else
                assignments.Add(new Assignment(name, parameter, source, stored));
        }
        var unexpected = weights.OwnedKeys.Where(k => !used.Contains(k)).ToList();
        if (missing.Count + unexpected.Count + misshaped.Count > 0)
            throw new CheckpointException(file.Path, Describe(missing, unexpected, misshaped));
        return assignments;
    }

    static void Read(SafetensorsFile file, Assignment a)
    {
        if (a.Source.Chunks == 1 && !a.Source.Transposed && a.StoredShape.SequenceEqual(a.Parameter.shape))
        {
            file.ReadInto(a.Source.Key, a.Parameter);
            return;
        }
        using var scope = NewDisposeScope();
        var stored = file.Read(a.Source.Key);
        long rows = stored.shape[0] / a.Source.Chunks;
        var part = stored.narrow(0, a.Source.Chunk * rows, rows);
        if (a.Source.Transposed) part = part.t();
        using (no_grad()) a.Parameter.copy_(part.reshape(a.Parameter.shape));
    }

    /// <summary>The stored tensor's shape after taking the chunk (or transposing); null if it does not split evenly or is no matrix.</summary>
    static long[]? StoredShape(SafetensorsEntry entry, WeightSource source)
    {
        if (source.Transposed) return entry.Shape.Length == 2 ? [entry.Shape[1], entry.Shape[0]] : null;
        if (source.Chunks == 1) return entry.Shape;
        if (entry.Shape.Length == 0 || entry.Shape[0] % source.Chunks != 0) return null;
        var shape = entry.Shape.ToArray();
        shape[0] /= source.Chunks;
        return shape;
    }

    /// <summary>Equal shapes, or a 1×1 convolution [O, I, 1, 1] against the equivalent linear layer [O, I].</summary>
    static bool Compatible(long[] stored, long[] wanted) =>
        stored.SequenceEqual(wanted) || IsConv1x1Of(stored, wanted) || IsConv1x1Of(wanted, stored);

    static bool IsConv1x1Of(long[] conv, long[] linear) =>
        conv.Length == 4 && linear.Length == 2 && conv[2] == 1 && conv[3] == 1 && conv[0] == linear[0] && conv[1] == linear[1];

    static string Describe(List<string> missing, List<string> unexpected, List<string> misshaped)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{Count(missing.Count, "weight")} missing ({Names(missing)})");
        if (unexpected.Count > 0) parts.Add($"{Count(unexpected.Count, "unexpected weight")} ({Names(unexpected)})");
        if (misshaped.Count > 0) parts.Add($"{Count(misshaped.Count, "mis-shaped weight")} ({Names(misshaped)})");
        return "does not match the model: " + string.Join("; ", parts);
    }

    static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    static string Names(List<string> names) =>
        string.Join(", ", names.Take(NamesShown)) + (names.Count > NamesShown ? $", … {names.Count - NamesShown} more" : "");

    static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
