using static TorchSharp.torch;

namespace LatentSharp.Layers;

/// <summary>
/// Steps of a forward pass that replace a temporary the caller is done with. Where no autograd graph is
/// recorded (inference) they overwrite it in place, saving an activation-sized allocation and a pass over
/// memory; while training, autograd may still need it, so they compute a new tensor and dispose the old one.
/// Each takes ownership of its first argument: use the returned tensor instead.
/// </summary>
internal static class InPlace
{
    /// <summary>f(x), disposing x as soon as f has run (unless f returned x itself).</summary>
    public static Tensor Then(this Tensor x, Func<Tensor, Tensor> f)
    {
        var y = f(x);
        if (!ReferenceEquals(x, y)) x.Dispose();
        return y;
    }

    public static Tensor Silu(Tensor x) => Writable(x) ? x.silu_() : x.Then(a => nn.functional.silu(a));

    /// <summary>x + y (y broadcast to x's shape).</summary>
    public static Tensor Add(Tensor x, Tensor y) => Writable(x, y) ? x.add_(y) : x.Then(a => a + y);

    /// <summary>x · y (y broadcast to x's shape).</summary>
    public static Tensor Multiply(Tensor x, Tensor y) => Writable(x, y) ? x.mul_(y) : x.Then(a => a * y);

    public static Tensor Divide(Tensor x, double divisor) => Writable(x) ? x.div_(divisor) : x.Then(a => a / divisor);

    static bool Writable(Tensor x, Tensor? y = null) => !x.requires_grad && !(y?.requires_grad ?? false);
}
