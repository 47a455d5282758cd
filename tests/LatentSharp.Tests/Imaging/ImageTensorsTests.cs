using LatentSharp.Imaging;
using LatentSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Imaging;

public class ImageTensorsTests
{
    [Fact]
    public void ModelSpaceMapsToBytesWithNumpysRounding()
    {
        // -1 → 0, 1 → 255, 0 → 127.5 → 128 (half to even), out of range clamps.
        using var x = torch.tensor(new float[] { -1f, 1f, 0f, -3f, 2f, 0.5f }, [1, 3, 1, 2]);
        var image = ImageTensors.FromModelSpace(x)[0];
        Assert.Equal((2, 1), (image.Width, image.Height));
        // NCHW: pixel 0 takes element 0 of each channel plane, pixel 1 element 1.
        Assert.Equal(new byte[] { 0, 128, 255, 255, 0, 191 }, image.Pixels);
    }

    [Fact]
    public void EveryByteSurvivesTheRoundTripThroughModelSpace()
    {
        var bytes = Enumerable.Range(0, 256 * 3).Select(i => (byte)(i / 3)).ToArray();
        var image = new RgbImage(256, 1, bytes);
        using var t = ImageTensors.ToModelSpace(image);
        Assert.Equal(new long[] { 1, 3, 1, 256 }, t.shape);
        Assert.Equal(-1f, t.min().item<float>());
        Assert.Equal(1f, t.max().item<float>());
        Assert.Equal(bytes, ImageTensors.FromModelSpace(t)[0].Pixels);
    }

    [Fact]
    public void ToModelSpaceIsDiffusersPreprocessing()
    {
        var image = new RgbImage(1, 1, [0, 51, 200]);
        using var t = ImageTensors.ToModelSpace(image);
        var v = t.data<float>().ToArray();
        Assert.Equal(new[] { 2f * (0f / 255f) - 1f, 2f * (51f / 255f) - 1f, 2f * (200f / 255f) - 1f }, v);
    }

    [Fact]
    public void MatchesDiffusersOutputImagesOnThePipelineFixtures()
    {
        int checkedCases = 0;
        foreach (var name in Fixtures.CasesOfKind("pipeline"))
        {
            var tensors = Fixtures.Load(name);
            if (!tensors.TryGetValue("dbg.vae_decoded_raw", out var raw) || !tensors.TryGetValue("out.image", out var expected)) continue;
            using var scope = NewDisposeScope();
            var images = ImageTensors.FromModelSpace(raw);
            // numpy_to_pil: (image * 255).round().astype(uint8), float32, half to even.
            var reference = expected.contiguous().data<float>().ToArray().Select(v => (byte)MathF.Round(v * 255f, MidpointRounding.ToEven)).ToArray();
            Assert.Equal(reference, images.SelectMany(i => i.Pixels).ToArray());
            checkedCases++;
            foreach (var t in tensors.Values) t.Dispose();
        }
        Assert.True(checkedCases > 0, "no pipeline fixture has dbg.vae_decoded_raw and out.image");
    }

    [Fact]
    public void ImagesOfDifferentSizesCannotShareABatch()
    {
        var e = Assert.Throws<LatentSharpException>(() => ImageTensors.ToUnitRange([new RgbImage(2, 2), new RgbImage(3, 2)]));
        Assert.Contains("2x2 and 3x2", e.Message);
    }
}
