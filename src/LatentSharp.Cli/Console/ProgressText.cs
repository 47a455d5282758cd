using System.Globalization;

namespace LatentSharp.Cli;

/// <summary>How progress reads: counts, rates and durations, the same in the live bars and the log lines.</summary>
public static class ProgressText
{
    public static string Amount(double value, ProgressUnit unit) => unit == ProgressUnit.Bytes
        ? Bytes(value)
        : ((long)value).ToString(CultureInfo.InvariantCulture);

    /// <summary>"3.41 it/s", or "2.50 s/it" when slower than one a second; "12.3 MB/s" for bytes.</summary>
    public static string Rate(double perSecond, ProgressUnit unit)
    {
        if (unit == ProgressUnit.Bytes) return Bytes(perSecond) + "/s";
        return perSecond >= 1 || perSecond <= 0
            ? $"{perSecond.ToString("F2", CultureInfo.InvariantCulture)} it/s"
            : $"{(1 / perSecond).ToString("F2", CultureInfo.InvariantCulture)} s/it";
    }

    public static string Duration(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");

    static string Bytes(double bytes) => bytes switch
    {
        >= 1e9 => (bytes / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " GB",
        >= 1e6 => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 1e3 => (bytes / 1e3).ToString("0", CultureInfo.InvariantCulture) + " kB",
        _ => bytes.ToString("0", CultureInfo.InvariantCulture) + " B",
    };
}
