namespace LatentSharp.Shapes;

/// <summary>Convex hull area of a set of pixels, each taken as its unit square (Andrew's monotone chain).</summary>
static class ConvexHull
{
    public static double AreaOfPixels(bool[] mask, int width, (int X, int Y, int Width, int Height) box)
    {
        var corners = new List<(long X, long Y)>();
        for (int y = box.Y; y < box.Y + box.Height; y++)
        {
            // Only the leftmost and rightmost pixel of a row can contribute hull corners.
            int first = -1, last = -1;
            for (int x = box.X; x < box.X + box.Width; x++)
                if (mask[y * width + x]) { if (first < 0) first = x; last = x; }
            if (first < 0) continue;
            corners.AddRange([(first, y), (first, y + 1), (last + 1, y), (last + 1, y + 1)]);
        }
        return PolygonArea(Hull(corners));
    }

    static List<(long X, long Y)> Hull(List<(long X, long Y)> points)
    {
        var sorted = points.Distinct().OrderBy(p => p.X).ThenBy(p => p.Y).ToList();
        if (sorted.Count < 3) return sorted;
        var hull = new List<(long X, long Y)>();
        foreach (var pass in new[] { sorted, Enumerable.Reverse(sorted).ToList() })
        {
            int start = hull.Count;
            foreach (var p in pass)
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], p) <= 0) hull.RemoveAt(hull.Count - 1);
                hull.Add(p);
            }
            hull.RemoveAt(hull.Count - 1);
        }
        return hull;
    }

    static long Cross((long X, long Y) o, (long X, long Y) a, (long X, long Y) b) =>
        (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);

    static double PolygonArea(List<(long X, long Y)> polygon)
    {
        long twice = 0;
        for (int i = 0; i < polygon.Count; i++)
        {
            var (a, b) = (polygon[i], polygon[(i + 1) % polygon.Count]);
            twice += a.X * b.Y - b.X * a.Y;
        }
        return Math.Abs(twice) / 2.0;
    }
}
