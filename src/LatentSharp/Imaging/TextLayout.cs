namespace LatentSharp.Imaging;

/// <summary>Word wrapping for the bitmap font: long prompts become a few lines that end in "..." when cut.</summary>
public static class TextLayout
{
    const string Ellipsis = "...";

    /// <summary>
    /// Splits <paramref name="text"/> into at most <paramref name="maxLines"/> lines of at most
    /// <paramref name="maxChars"/> characters, breaking at spaces (words longer than a line are cut).
    /// Text that does not fit ends with "...".
    /// </summary>
    public static IReadOnlyList<string> Wrap(string text, int maxChars, int maxLines)
    {
        if (maxChars < 1 || maxLines < 1) return [];
        var all = WrapAll(text.Replace('\n', ' ').Replace('\r', ' '), maxChars);
        if (all.Count <= maxLines) return all;
        var kept = all.Take(maxLines).ToList();
        kept[^1] = WithEllipsis(kept[^1], maxChars);
        return kept;
    }

    static List<string> WrapAll(string text, int maxChars)
    {
        var lines = new List<string>();
        string current = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string rest = word;
            string candidate = current.Length == 0 ? rest : $"{current} {rest}";
            if (candidate.Length <= maxChars) { current = candidate; continue; }
            if (current.Length > 0) lines.Add(current);
            while (rest.Length > maxChars)
            {
                lines.Add(rest[..maxChars]);
                rest = rest[maxChars..];
            }
            current = rest;
        }
        if (current.Length > 0) lines.Add(current);
        return lines;
    }

    static string WithEllipsis(string line, int maxChars)
    {
        if (maxChars <= Ellipsis.Length) return Ellipsis[..maxChars];
        string head = line.Length + Ellipsis.Length <= maxChars ? line : line[..(maxChars - Ellipsis.Length)].TrimEnd();
        return head + Ellipsis;
    }
}
