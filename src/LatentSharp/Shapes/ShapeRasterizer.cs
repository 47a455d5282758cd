using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>
/// Draws one filled shape with 4×4 supersampling: a pixel's colour is the background/object mix by the
/// fraction of its 16 sample points inside the shape, so edges are anti-aliased by at most one pixel.
/// Geometry (see <see cref="ShapeGeometry"/>): every shape's bounding box is centred on the centre;
/// circle, square, triangle, cross and ring fill a Side × Side box, the star is Side wide.
/// </summary>
internal static class ShapeRasterizer
{
    const int Subsamples = 4;

    /// <summary>Inner/outer radius of the star. A regular pentagram has 0.382; slightly fatter arms stay visible at 14 px.</summary>
    public const double StarInnerRatio = 0.45;

    /// <summary>Arm width of the cross as a fraction of its size.</summary>
    public const double CrossArmRatio = 1.0 / 3;

    /// <summary>Hole diameter of the ring as a fraction of its outer diameter.</summary>
    public const double RingHoleRatio = 0.5;

    // cos/sin of 18°, 36°, 54°, 72° written out, so the star's vertices do not depend on the platform's Math.Sin.
    const double Cos18 = 0.95105651629515357, Sin18 = 0.30901699437494742;
    const double Cos36 = 0.80901699437494742, Sin36 = 0.58778525229247313;

    public static void Draw(RgbImage image, ShapeKind shape, ShapeGeometry g, Rgb colour)
    {
        Func<double, double, bool> inside = InsideTest(shape, g);
        var (left, top, right, bottom) = BoundingBox(shape, g);
        for (int py = Math.Max(0, (int)Math.Floor(top)); py < Math.Min(image.Height, (int)Math.Ceiling(bottom)); py++)
            for (int px = Math.Max(0, (int)Math.Floor(left)); px < Math.Min(image.Width, (int)Math.Ceiling(right)); px++)
            {
                int hits = 0;
                for (int sy = 0; sy < Subsamples; sy++)
                    for (int sx = 0; sx < Subsamples; sx++)
                        if (inside(px + (sx + 0.5) / Subsamples, py + (sy + 0.5) / Subsamples)) hits++;
                if (hits > 0) image[px, py] = image[px, py].Lerp(colour, hits / (double)(Subsamples * Subsamples));
            }
    }

    /// <summary>The exact bounding box (left, top, right, bottom) of the drawn shape.</summary>
    public static (double Left, double Top, double Right, double Bottom) BoundingBox(ShapeKind shape, ShapeGeometry g)
    {
        double halfWidth = g.Side / 2;
        double halfHeight = shape == ShapeKind.Star ? StarHeight(g.Side) / 2 : g.Side / 2;
        return (g.CenterX - halfWidth, g.CenterY - halfHeight, g.CenterX + halfWidth, g.CenterY + halfHeight);
    }

    static Func<double, double, bool> InsideTest(ShapeKind shape, ShapeGeometry g)
    {
        double h = g.Side / 2, cx = g.CenterX, cy = g.CenterY;
        return shape switch
        {
            ShapeKind.Circle => (x, y) => Square(x - cx) + Square(y - cy) <= h * h,
            ShapeKind.Square => (x, y) => Math.Abs(x - cx) <= h && Math.Abs(y - cy) <= h,
            // Apex at the top centre, base along the bottom: the half-width grows by 1/2 per pixel down.
            ShapeKind.Triangle => (x, y) => y - cy <= h && Math.Abs(x - cx) <= (y - cy + h) / 2,
            ShapeKind.Cross => CrossTest(cx, cy, h, h * CrossArmRatio),
            ShapeKind.Ring => (x, y) => Square(x - cx) + Square(y - cy) is var d2 && d2 <= h * h && d2 >= Square(h * RingHoleRatio),
            ShapeKind.Star => PolygonTest(StarVertices(g)),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
    }

    static Func<double, double, bool> CrossTest(double cx, double cy, double half, double armHalf) => (x, y) =>
    {
        double dx = Math.Abs(x - cx), dy = Math.Abs(y - cy);
        return (dx <= half && dy <= armHalf) || (dx <= armHalf && dy <= half);
    };

    static double Square(double v) => v * v;

    /// <summary>A five-pointed star with a point straight up: outer radius chosen so the star is Side wide.</summary>
    static (double X, double Y)[] StarVertices(ShapeGeometry g)
    {
        double outer = g.Side / (2 * Cos18), inner = outer * StarInnerRatio;
        // The pentagram's centre sits below its bounding box's centre (the top point reaches further than the two lower points).
        double px = g.CenterX, py = g.CenterY + outer * (1 - Cos36) / 2;
        (double X, double Y)[] unit =
        [
            (0, -1), (Sin36, -Cos36), (Cos18, -Sin18), (Cos18, Sin18), (Sin36, Cos36),
            (0, 1), (-Sin36, Cos36), (-Cos18, Sin18), (-Cos18, -Sin18), (-Sin36, -Cos36),
        ];
        return unit.Select((u, k) => (px + u.X * (k % 2 == 0 ? outer : inner), py + u.Y * (k % 2 == 0 ? outer : inner))).ToArray();
    }

    static double StarHeight(double side) => side / (2 * Cos18) * (1 + Cos36);

    /// <summary>Even-odd rule: a point is inside when a ray to the right crosses the outline an odd number of times.</summary>
    static Func<double, double, bool> PolygonTest((double X, double Y)[] v) => (x, y) =>
    {
        bool inside = false;
        for (int i = 0, j = v.Length - 1; i < v.Length; j = i++)
            if ((v[i].Y > y) != (v[j].Y > y) && x < (v[j].X - v[i].X) * (y - v[i].Y) / (v[j].Y - v[i].Y) + v[i].X)
                inside = !inside;
        return inside;
    };
}
