using LatentSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

public class RandomRecolorTests
{
    /// Two-colour images: the left half one colour, the right half another, as the shapes data's flat images.
    static Tensor TwoColourImages(int count)
    {
        var left = tensor(new float[] { 0.73f, -0.69f, -0.69f }).reshape(1, 3, 1, 1).expand(count, 3, 8, 4);
        var right = tensor(new float[] { -0.69f, -0.69f, 0.73f }).reshape(1, 3, 1, 1).expand(count, 3, 8, 4);
        return cat([left, right], 3).contiguous();
    }

    [Fact]
    public void EachChannelIsMappedAffinelyInsideTheRange()
    {
        var pixels = TwoColourImages(200);
        var recolored = RandomRecolor.Apply(pixels, 1, new Generator(3)).Pixels;
        Assert.InRange(recolored.min().item<float>(), -1f, 1f);
        Assert.InRange(recolored.max().item<float>(), -1f, 1f);
        // flat regions stay flat: every pixel of a half has its half's new colour
        var leftHalf = recolored.narrow(3, 0, 4);
        Assert.True((leftHalf - leftHalf.narrow(3, 0, 1).narrow(2, 0, 1)).abs().max().item<float>() < 1e-6f);
        // the channel that was equal in both colours stays equal; the others move independently
        var newLeft = recolored[.., .., 0, 0];
        var newRight = recolored[.., .., 0, 7];
        Assert.True((newLeft[.., 1] - newRight[.., 1]).abs().max().item<float>() < 1e-6f);
        // colours spread over the cube: the new left colours' red channel spans most of [−1, 1]
        Assert.True(newLeft[.., 0].std().item<float>() > 0.3f);
        Assert.True(newLeft[.., 0].min().item<float>() < -0.5f && newLeft[.., 0].max().item<float>() > 0.5f);
    }

    [Fact]
    public void OnlyTheGivenShareIsRecolouredAndTheDrawIsSeeded()
    {
        var pixels = TwoColourImages(400);
        var (once, chosen) = RandomRecolor.Apply(pixels, 0.25, new Generator(7));
        var again = RandomRecolor.Apply(pixels, 0.25, new Generator(7)).Pixels;
        Assert.True(once.eq(again).all().item<bool>());
        var unchanged = (once - pixels).abs().flatten(1).amax(1).lt(1e-7);
        Assert.InRange(unchanged.sum().item<long>(), 260, 340);
        // the returned choice names exactly the changed images
        Assert.True(unchanged.eq(chosen.flatten().logical_not()).all().item<bool>());
        Assert.True(RandomRecolor.Apply(pixels, 0, new Generator(7)).Pixels.eq(pixels).all().item<bool>());
    }
}
