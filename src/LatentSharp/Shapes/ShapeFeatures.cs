namespace LatentSharp.Shapes;

/// <summary>
/// Geometric measurements of the object's pixel mask, each a ratio so it does not depend on size.
/// Reference values for the ideal shapes (bounding box w × h):
/// <list type="table">
/// <item><term>circle</term><description>fill π/4 ≈ 0.79, solidity 1, top mass 0.5, no hole, mirror 1</description></item>
/// <item><term>square</term><description>fill 1, solidity 1, top mass 0.5, mirror 1</description></item>
/// <item><term>triangle (apex up)</term><description>fill 0.5, solidity 1, top mass 0.25</description></item>
/// <item><term>star (point up)</term><description>fill ≈ 0.38, solidity ≈ 0.56, top mass ≈ 0.5, mirror well below 1</description></item>
/// <item><term>cross (arms 1/3)</term><description>fill 5/9 ≈ 0.56, solidity 5/7 ≈ 0.71, empty corners, mirror 1</description></item>
/// <item><term>ring (hole 1/2)</term><description>fill ≈ 0.59, hole ≈ 0.2 of the box, mirror 1</description></item>
/// </list>
/// </summary>
/// <param name="Fill">Object pixels / bounding-box pixels.</param>
/// <param name="Solidity">Object pixels / area of their convex hull.</param>
/// <param name="TopMass">Share of the object's pixels in the upper half of its bounding box.</param>
/// <param name="CornerFill">Fill of the four corner patches (each a quarter of the box's width and height).</param>
/// <param name="Hole">Enclosed background pixels (not reachable from outside the object) / bounding-box pixels.</param>
/// <param name="Mirror">Overlap of the mask with itself flipped upside down (within its box) / object pixels: 1 for shapes symmetric about a horizontal axis.</param>
public sealed record ShapeFeatures(double Fill, double Solidity, double TopMass, double CornerFill, double Hole, double Mirror)
{
    public static ShapeFeatures Measure(bool[] mask, int width, (int X, int Y, int Width, int Height) box)
    {
        int area = 0;
        double top = 0;
        for (int y = box.Y; y < box.Y + box.Height; y++)
            for (int x = box.X; x < box.X + box.Width; x++)
                if (mask[y * width + x])
                {
                    area++;
                    top += UpperHalfShare(y - box.Y, box.Height);
                }
        double boxArea = box.Width * box.Height;
        return new ShapeFeatures(
            Fill: area / boxArea,
            Solidity: area / ConvexHull.AreaOfPixels(mask, width, box),
            TopMass: top / area,
            CornerFill: CornerFillOf(mask, width, box),
            Hole: EnclosedPixels(mask, width, box) / boxArea,
            Mirror: UpsideDownOverlap(mask, width, box) / (double)area);
    }

    static int UpsideDownOverlap(bool[] mask, int width, (int X, int Y, int Width, int Height) box)
    {
        int overlap = 0;
        for (int y = box.Y; y < box.Y + box.Height; y++)
        {
            int mirrored = 2 * box.Y + box.Height - 1 - y;
            for (int x = box.X; x < box.X + box.Width; x++)
                if (mask[y * width + x] && mask[mirrored * width + x]) overlap++;
        }
        return overlap;
    }

    /// <summary>How much of row <paramref name="row"/> lies in the upper half (the middle row of an odd height counts half).</summary>
    static double UpperHalfShare(int row, int height) =>
        2 * row + 1 < height ? 1 : 2 * row + 1 == height ? 0.5 : 0;

    static double CornerFillOf(bool[] mask, int width, (int X, int Y, int Width, int Height) box)
    {
        int cw = Math.Max(1, box.Width / 4), ch = Math.Max(1, box.Height / 4);
        int filled = 0;
        foreach (var (cx, cy) in new[] { (box.X, box.Y), (box.X + box.Width - cw, box.Y), (box.X, box.Y + box.Height - ch), (box.X + box.Width - cw, box.Y + box.Height - ch) })
            for (int y = cy; y < cy + ch; y++)
                for (int x = cx; x < cx + cw; x++)
                    if (mask[y * width + x]) filled++;
        return filled / (4.0 * cw * ch);
    }

    /// <summary>
    /// Non-object pixels of the box that a 4-connected flood from outside the box cannot reach — the
    /// ring's hole. (4-connectivity for the background is the dual of the object's 8-connectivity.)
    /// </summary>
    static int EnclosedPixels(bool[] mask, int width, (int X, int Y, int Width, int Height) box)
    {
        int w = box.Width + 2, h = box.Height + 2;
        bool Solid(int x, int y) => x >= 1 && y >= 1 && x <= box.Width && y <= box.Height && mask[(box.Y + y - 1) * width + box.X + x - 1];
        var reached = new bool[w * h];
        var queue = new Queue<(int, int)>();
        reached[0] = true;
        queue.Enqueue((0, 0));
        int reachable = 0;
        while (queue.Count > 0)
        {
            var (x, y) = queue.Dequeue();
            reachable++;
            foreach (var (nx, ny) in new[] { (x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1) })
            {
                if (nx < 0 || ny < 0 || nx >= w || ny >= h || reached[ny * w + nx] || Solid(nx, ny)) continue;
                reached[ny * w + nx] = true;
                queue.Enqueue((nx, ny));
            }
        }
        int solid = 0;
        for (int y = 1; y <= box.Height; y++)
            for (int x = 1; x <= box.Width; x++)
                if (Solid(x, y)) solid++;
        return w * h - reachable - solid;
    }
}
