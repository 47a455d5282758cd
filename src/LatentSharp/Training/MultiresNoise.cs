using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Multi-resolution ("pyramid") training noise, as kohya's <c>--multires_noise_iterations</c> /
/// <c>--multires_noise_discount</c> offer it: white noise plus noise drawn at ½, ¼, … of the latent's side, scaled by
/// discount¹, discount², … and upsampled, the sum rescaled to unit variance per example. Why: white noise has little
/// energy at the scale of a whole shape, so even the noisiest training latent (SD's schedule keeps 6.8% of the clean one
/// at t = 999) still shows where the shape is, and a model learns to take the position from the noise instead of the
/// caption — at inference it then follows the seed. Coarse noise hides that trace. Sampling still starts from white
/// noise, as with kohya's models.
/// </summary>
public sealed record MultiresNoise
{
    /// <summary>Coarser levels added to the white noise (0: plain white noise, the same random draws as without it).</summary>
    public int Iterations { get; init; }

    /// <summary>Each level's amplitude relative to the one finer (kohya suggests 0.1–0.3).</summary>
    public double Discount { get; init; } = 0.3;

    public bool IsWhite => Iterations == 0;

    public MultiresNoise Validate()
    {
        if (Iterations is < 0 or > 16) throw new LatentSharpException($"the multi-resolution noise iterations must be in [0, 16] (got {Iterations})");
        if (Discount is <= 0 or >= 1 || !double.IsFinite(Discount)) throw new LatentSharpException($"the multi-resolution noise discount must be in (0, 1) (got {Discount})");
        return this;
    }

    /// <summary>Noise of <paramref name="shape"/> (batch, channels, height, width) drawn from <paramref name="random"/>.</summary>
    public Tensor Draw(long[] shape, Generator random)
    {
        var noise = randn(shape, generator: random);
        if (IsWhite) return noise;
        long height = shape[2], width = shape[3];
        for (int level = 1; level <= Iterations; level++)
        {
            long h = Math.Max(1, height >> level), w = Math.Max(1, width >> level);
            using var coarse = randn([shape[0], shape[1], h, w], generator: random);
            using var upsampled = nn.functional.interpolate(coarse, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
            noise.add_(upsampled, alpha: Math.Pow(Discount, level));
            if (h == 1 && w == 1) break;
        }
        using var std = noise.std([1, 2, 3], keepdim: true);
        return noise.div_(std);
    }
}
