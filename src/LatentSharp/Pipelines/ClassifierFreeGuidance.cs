using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// Classifier-free guidance (Ho &amp; Salimans): the U-Net predicts noise with and without the prompt in
/// one batched call, and the prediction is pushed away from the unconditional one by the scale s.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <summary>Guidance needs the unconditional pass only above 1 (at s = 1 the formula gives ε_c).</summary>
    public static bool IsActive(double scale) => scale > 1.0;

    /// <summary>The U-Net input for both passes: [unconditional; conditional] along the batch.</summary>
    public static Tensor Duplicate(Tensor latents) => cat([latents, latents], 0);

    /// <summary>ε = ε_u + s·(ε_c − ε_u), from the batched prediction [ε_u; ε_c].</summary>
    public static Tensor Combine(Tensor prediction, double scale)
    {
        using var scope = NewDisposeScope();
        var halves = prediction.chunk(2, 0);
        var (uncond, cond) = (halves[0], halves[1]);
        return (uncond + scale * (cond - uncond)).MoveToOuterDisposeScope();
    }
}
