using System.Globalization;

namespace LatentSharp.Imaging;

/// <summary>Round tick values for plot axes: steps of 1, 2 or 5 × 10^k on linear axes, powers of ten on log axes.</summary>
public static class AxisTicks
{
    /// <summary>Ticks covering [min, max] with about <paramref name="target"/> intervals; the first and last tick enclose the range.</summary>
    public static double[] Linear(double min, double max, int target = 5)
    {
        if (!(max > min)) (min, max) = (min - 0.5, min + 0.5);
        double step = NiceStep((max - min) / Math.Max(1, target));
        double first = Math.Floor(min / step + 1e-9) * step, last = Math.Ceiling(max / step - 1e-9) * step;
        int count = (int)Math.Round((last - first) / step);
        return Enumerable.Range(0, count + 1).Select(i => Clean(first + i * step, step)).ToArray();
    }

    /// <summary>Powers of ten enclosing [min, max] (both must be positive).</summary>
    public static double[] Log(double min, double max)
    {
        int low = (int)Math.Floor(Math.Log10(min) + 1e-9), high = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (high <= low) high = low + 1;
        return Enumerable.Range(low, high - low + 1).Select(e => Math.Pow(10, e)).ToArray();
    }

    static double NiceStep(double rough)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>Removes the floating-point residue of first + i·step (0.30000000000000004 → 0.3).</summary>
    static double Clean(double value, double step)
    {
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step)) + 1, 0, 15);
        double rounded = Math.Round(value, decimals);
        return rounded == 0 ? 0 : rounded;
    }

    /// <summary>A short label: "0.25", "1000", "1e-05".</summary>
    public static string Label(double value)
    {
        double abs = Math.Abs(value);
        return abs != 0 && (abs >= 1e6 || abs < 1e-3)
            ? value.ToString("0.#e0", CultureInfo.InvariantCulture)
            : value.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
