using LatentSharp.Imaging;

namespace LatentSharp.Evaluation;

/// <summary>
/// How different the images of one prompt are across seeds: the mean pairwise root-mean-square pixel
/// distance (RGB in [0, 1]). 0 means every seed gave the same picture; guidance usually lowers it.
/// </summary>
internal static class Diversity
{
    public static double MeanPairwiseDistance(IReadOnlyList<RgbImage> images)
    {
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < images.Count; i++)
            for (int j = i + 1; j < images.Count; j++, pairs++)
                sum += Distance(images[i], images[j]);
        return pairs == 0 ? 0 : sum / pairs;
    }

    static double Distance(RgbImage a, RgbImage b)
    {
        if (a.Width != b.Width || a.Height != b.Height) throw new ArgumentException("images differ in size");
        double squares = 0;
        for (int k = 0; k < a.Pixels.Length; k++)
        {
            double d = (a.Pixels[k] - b.Pixels[k]) / 255.0;
            squares += d * d;
        }
        return Math.Sqrt(squares / a.Pixels.Length);
    }
}
