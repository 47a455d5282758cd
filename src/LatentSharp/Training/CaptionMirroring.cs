using System.Text.RegularExpressions;

namespace LatentSharp.Training;

/// <summary>
/// The caption of a horizontally mirrored image: "left" and "right" trade places (as whole words, keeping
/// their capitalisation), so "a circle on the left" stays true once the picture is flipped. Other
/// mirror-sensitive content (text in the image, handedness) is beyond what a caption rewrite can fix.
/// </summary>
internal static partial class CaptionMirroring
{
    [GeneratedRegex(@"\b(left|right)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Sides();

    public static string SwapLeftRight(string caption) => Sides().Replace(caption, m => Opposite(m.Value));

    static string Opposite(string word)
    {
        string other = word.Equals("left", StringComparison.OrdinalIgnoreCase) ? "right" : "left";
        if (word.All(char.IsUpper)) return other.ToUpperInvariant();
        return char.IsUpper(word[0]) ? char.ToUpperInvariant(other[0]) + other[1..] : other;
    }
}
