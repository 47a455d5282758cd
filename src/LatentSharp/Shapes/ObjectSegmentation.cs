using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>
/// Separates the one object from the flat background: the background is what the image border shows,
/// the object is the largest 8-connected blob of pixels at least half as far from the background colour
/// as the object's own colour is (so an anti-aliased or blurred edge is cut where it is half covered).
/// </summary>
sealed class ObjectSegmentation
{
    /// <summary>Distances below this are noise around the background, whatever the object's contrast.</summary>
    const double NoiseFloor = 28;

    public required ShapeColor Background { get; init; }
    public required double BackgroundAgreement { get; init; }

    /// <summary>The background as it appears (the median of its border pixels), which a tint may move off the palette.</summary>
    public required Rgb MeasuredBackground { get; init; }

    /// <summary>Each pixel's RGB distance from the measured background colour.</summary>
    public required double[] Distance { get; init; }

    /// <summary>Typical distance of object pixels from the background (a high percentile of the non-background ones).</summary>
    public required double ObjectContrast { get; init; }

    /// <summary>Membership of the largest blob, row-major; null when no pixel stood out.</summary>
    public required bool[]? Object { get; init; }
    public required int Area { get; init; }

    public static ObjectSegmentation Of(RgbImage image)
    {
        var (background, agreement, measured) = BorderBackground(image);
        var distance = new double[image.Width * image.Height];
        for (int i = 0; i < distance.Length; i++)
            distance[i] = Math.Sqrt(PixelAt(image, i).DistanceSquared(measured));
        double contrast = ObjectContrastOf(distance);
        bool[]? blob = null;
        int area = 0;
        if (contrast > 0)
        {
            double threshold = Math.Max(NoiseFloor, contrast / 2);
            (blob, area) = LargestBlob(distance.Select(d => d >= threshold).ToArray(), image.Width, image.Height);
        }
        return new ObjectSegmentation
        {
            Background = background, BackgroundAgreement = agreement, MeasuredBackground = measured, Distance = distance,
            ObjectContrast = contrast, Object = blob, Area = area,
        };
    }

    static Rgb PixelAt(RgbImage image, int i) => new(image.Pixels[3 * i], image.Pixels[3 * i + 1], image.Pixels[3 * i + 2]);

    /// <summary>
    /// Border pixels vote for their nearest palette colour; the winner is the background. Its measured
    /// colour (per-channel median of the winning voters) is what distances are taken from, so a tinted
    /// image still separates cleanly.
    /// </summary>
    static (ShapeColor Colour, double Agreement, Rgb Measured) BorderBackground(RgbImage image)
    {
        var border = new List<Rgb>();
        for (int x = 0; x < image.Width; x++) { border.Add(image[x, 0]); border.Add(image[x, image.Height - 1]); }
        for (int y = 1; y < image.Height - 1; y++) { border.Add(image[0, y]); border.Add(image[image.Width - 1, y]); }
        var winner = border.GroupBy(ShapesPalette.Nearest).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First();
        return (winner.Key, winner.Count() / (double)border.Count, ShapesPalette.MedianColour(winner.ToList()));
    }

    /// <summary>The 75th percentile of the distances above the noise floor, or 0 when none rise above it.</summary>
    static double ObjectContrastOf(double[] distance)
    {
        var above = distance.Where(d => d >= NoiseFloor).OrderBy(d => d).ToArray();
        return above.Length == 0 ? 0 : above[(int)(0.75 * (above.Length - 1))];
    }

    static (bool[]? Blob, int Area) LargestBlob(bool[] mask, int width, int height)
    {
        var label = new int[mask.Length];
        int best = 0, bestArea = 0, next = 0;
        var queue = new Queue<int>();
        for (int start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || label[start] != 0) continue;
            int area = Flood(mask, label, ++next, start, width, height, queue);
            if (area > bestArea) (best, bestArea) = (next, area);
        }
        return bestArea == 0 ? (null, 0) : (label.Select(l => l == best).ToArray(), bestArea);
    }

    static int Flood(bool[] mask, int[] label, int id, int start, int width, int height, Queue<int> queue)
    {
        int area = 0;
        label[start] = id;
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            int p = queue.Dequeue();
            area++;
            int px = p % width, py = p / width;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    int nx = px + dx, ny = py + dy;
                    if ((uint)nx >= (uint)width || (uint)ny >= (uint)height) continue;
                    int n = ny * width + nx;
                    if (mask[n] && label[n] == 0) { label[n] = id; queue.Enqueue(n); }
                }
        }
        return area;
    }
}
