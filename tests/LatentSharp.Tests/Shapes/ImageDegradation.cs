using LatentSharp.Imaging;
using LatentSharp.Shapes;

namespace LatentSharp.Tests.Shapes;

/// <summary>
/// Makes a clean image look more like a generated one: Gaussian blur, per-channel gain and offset
/// (colour jitter), then Gaussian pixel noise. No JPEG step.
/// </summary>
static class ImageDegradation
{
    public static RgbImage Apply(RgbImage source, double blurSigma, double noiseSigma, double jitter, DeterministicRandom random)
    {
        var values = Blur(source.Pixels.Select(b => (double)b).ToArray(), source.Width, source.Height, blurSigma);
        var gain = Enumerable.Range(0, 3).Select(_ => 1 + random.Uniform(-jitter, jitter)).ToArray();
        var offset = Enumerable.Range(0, 3).Select(_ => random.Uniform(-jitter, jitter) * 127.5).ToArray();
        var bytes = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
            bytes[i] = (byte)Math.Clamp(Math.Round(values[i] * gain[i % 3] + offset[i % 3] + noiseSigma * Gaussian(random)), 0, 255);
        return new RgbImage(source.Width, source.Height, bytes);
    }

    static double Gaussian(DeterministicRandom random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    static double[] Blur(double[] v, int width, int height, double sigma)
    {
        if (sigma <= 0) return v;
        int radius = (int)Math.Ceiling(3 * sigma);
        var kernel = Enumerable.Range(-radius, 2 * radius + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        double sum = kernel.Sum();
        kernel = kernel.Select(k => k / sum).ToArray();
        var horizontal = Convolve(v, width, height, kernel, (x, y, k) => (y, Math.Clamp(x + k, 0, width - 1)));
        return Convolve(horizontal, width, height, kernel, (x, y, k) => (Math.Clamp(y + k, 0, height - 1), x));
    }

    static double[] Convolve(double[] v, int width, int height, double[] kernel, Func<int, int, int, (int Y, int X)> tap)
    {
        int radius = kernel.Length / 2;
        var result = new double[v.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                {
                    double acc = 0;
                    for (int k = -radius; k <= radius; k++)
                    {
                        var (sy, sx) = tap(x, y, k);
                        acc += kernel[k + radius] * v[(sy * width + sx) * 3 + c];
                    }
                    result[(y * width + x) * 3 + c] = acc;
                }
        return result;
    }
}
