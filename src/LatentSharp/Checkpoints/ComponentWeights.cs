namespace LatentSharp.Checkpoints;

/// <summary>
/// One model component's weights in a safetensors file: which stored tensor feeds each parameter, and
/// which stored tensors belong to the component (each of those must feed some parameter).
/// </summary>
/// <param name="Locate">Parameter name (diffusers naming) → stored tensor, or null if the file cannot have it.</param>
/// <param name="OwnedKeys">Stored keys of this component; any left unused is reported as unexpected.</param>
public sealed record ComponentWeights(SafetensorsFile File, Func<string, WeightSource?> Locate, IReadOnlyCollection<string> OwnedKeys)
{
    /// <summary>Weights stored under the same names as the parameters (a diffusers folder, our own files).</summary>
    public static ComponentWeights SameNames(SafetensorsFile file, Func<string, bool>? ignore = null) =>
        new(file, name => new WeightSource(name), file.Keys.Where(k => ignore?.Invoke(k) != true).ToList());
}
