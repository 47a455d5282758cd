using static TorchSharp.torch;

namespace LatentSharp.Tests.Support;

/// <summary>Assertions on tensors that say where and by how much they differ.</summary>
public static class TensorAssert
{
    /// <summary>Same shape, and every element within <paramref name="atol"/> (compared in float64).</summary>
    public static void Close(Tensor expected, Tensor actual, double atol, string what = "tensor")
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var e = expected.detach().cpu().to_type(ScalarType.Float64);
        using var a = actual.detach().cpu().to_type(ScalarType.Float64);
        Assert.True(a.isfinite().all().item<bool>(), $"{what}: contains non-finite values");
        using var diff = (e - a).abs();
        double max = diff.numel() == 0 ? 0 : diff.max().item<double>();
        if (max > atol)
        {
            long at = diff.flatten().argmax().item<long>();
            Assert.Fail($"{what}: max |diff| = {max:G4} > atol {atol:G4} at flat index {at} " +
                        $"(expected {e.flatten()[at].item<double>():G6}, got {a.flatten()[at].item<double>():G6})");
        }
    }

    /// <summary>Exactly equal integer tensors.</summary>
    public static void Equal(Tensor expected, Tensor actual, string what = "tensor")
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape),
            $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        Assert.True(expected.to_type(ScalarType.Int64).eq(actual.to_type(ScalarType.Int64)).all().item<bool>(), $"{what}: values differ");
    }

    /// <summary>Same shape, dtype and bytes: bit for bit the same values (−0 ≠ +0, NaN payloads count).</summary>
    public static bool BitEqual(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var ca = a.detach().cpu().contiguous();
        using var cb = b.detach().cpu().contiguous();
        return ca.bytes.SequenceEqual(cb.bytes);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs();
        return d.max().item<double>();
    }
}
