using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LatentSharp.Adapters;

/// <summary>
/// Adds a LoRA layer's update to a weight, in place: W ← W + (up · down) · (scale · alpha / rank), the product
/// computed in float32 first, then one multiplication by the float32 factor, then the addition — the order the
/// fixtures' references (and diffusers' fuse_lora) use. Rows are done in blocks so that a layer's full ΔW never
/// exists at once (the largest SD 1.5 layer's would be 52 MB), and weights in other dtypes are added to in
/// float32 and rounded once.
/// </summary>
internal static class LoraMerge
{
    /// <summary>Output rows per block: 256 rows of a 5120-wide layer are 5 MB of float32.</summary>
    const long RowsPerBlock = 256;

    public static void AddTo(Parameter weight, LoraLayer layer, double scale)
    {
        if (!layer.Fits(weight.shape))
            throw new ArgumentException($"LoRA layer {layer.Name} does not fit a weight of shape [{string.Join(", ", weight.shape)}]");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var up = layer.Up.to_type(ScalarType.Float32).reshape(layer.OutFeatures, layer.Rank);
        var down = layer.Down.to_type(ScalarType.Float32).reshape(layer.Rank, layer.InElements);
        float factor = (float)(scale * layer.AlphaOverRank);
        for (long start = 0; start < layer.OutFeatures; start += RowsPerBlock)
        {
            using var blockScope = NewDisposeScope();
            long count = Math.Min(RowsPerBlock, layer.OutFeatures - start);
            // The block of output rows as the weight stores it (a convolution's may be channels-last), and ΔW shaped to it.
            var target = weight.narrow(0, start, count);
            var delta = up.narrow(0, start, count).matmul(down).mul_(factor).view(target.shape);
            if (target.dtype == ScalarType.Float32) target.add_(delta);
            else target.copy_(target.to_type(ScalarType.Float32).add_(delta));
        }
    }

    /// <summary>ΔW of a layer for a weight of <paramref name="shape"/>, in float32 (tests, inspection).</summary>
    public static Tensor Delta(LoraLayer layer, long[] shape, double scale)
    {
        using var scope = NewDisposeScope();
        var up = layer.Up.to_type(ScalarType.Float32).reshape(layer.OutFeatures, layer.Rank);
        var down = layer.Down.to_type(ScalarType.Float32).reshape(layer.Rank, layer.InElements);
        return up.matmul(down).mul_((float)(scale * layer.AlphaOverRank)).reshape(shape).MoveToOuterDisposeScope();
    }
}
