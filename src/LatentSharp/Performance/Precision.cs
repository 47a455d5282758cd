using static TorchSharp.torch;

namespace LatentSharp.Performance;

/// <summary>
/// The number format the networks run in. <see cref="Bf16"/> stores weights and activations in bfloat16
/// (LibTorch's CPU bf16 kernels), while group/layer norm statistics, the attention softmax and the
/// scheduler maths stay in float32.
/// </summary>
public enum Precision
{
    /// <summary>float32 throughout: the reference precision, diffusers' results to round-off.</summary>
    Fp32,

    /// <summary>bfloat16 weights and activations: half the memory; falls back to fp32 on CPUs without native bf16.</summary>
    Bf16,
}

/// <summary>The command-line names of <see cref="Precision"/> ("fp32", "bf16") and its dtype.</summary>
public static class PrecisionNames
{
    public static IReadOnlyList<string> All { get; } = ["fp32", "bf16"];

    public static string Name(this Precision precision) => precision == Precision.Bf16 ? "bf16" : "fp32";

    /// <summary>The parameter and activation dtype of the networks.</summary>
    public static ScalarType DType(this Precision precision) =>
        precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>"fp32"/"float32" or "bf16"/"bfloat16"; null for anything else.</summary>
    public static Precision? TryParse(string text) => text.ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "bf16" or "bfloat16" => Precision.Bf16,
        _ => null,
    };
}
