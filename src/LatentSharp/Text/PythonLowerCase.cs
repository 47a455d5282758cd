using System.Globalization;
using System.Text;

namespace LatentSharp.Text;

/// <summary>
/// Lower-casing with the semantics of Python's <c>str.lower()</c>, which transformers' CLIP tokenizer
/// applies to each word. It differs from .NET's <c>ToLowerInvariant</c> in two ways that change
/// token ids: İ (U+0130) becomes "i" + combining dot above (the full mapping of SpecialCasing.txt,
/// two code points), and a capital sigma that ends a word becomes final sigma ς (U+03C2).
/// </summary>
internal static class PythonLowerCase
{
    const int CapitalSigma = 0x03A3;

    public static string ToLower(string text)
    {
        var sb = new StringBuilder(text.Length);
        Rune[] runes = text.EnumerateRunes().ToArray();
        for (int i = 0; i < runes.Length; i++)
        {
            Rune r = runes[i];
            if (r.Value == 0x0130) sb.Append("i\u0307");
            else if (r.Value == CapitalSigma) sb.Append(IsFinalSigma(runes, i) ? 'ς' : 'σ');
            else sb.Append(Rune.ToLowerInvariant(r).ToString());
        }
        return sb.ToString();
    }

    /// <summary>
    /// Unicode's Final_Sigma condition: a cased letter before it and none after it, looking through
    /// case-ignorable characters (accents, apostrophes, ...) on both sides.
    /// </summary>
    static bool IsFinalSigma(Rune[] runes, int at)
    {
        int before = at - 1;
        while (before >= 0 && IsCaseIgnorable(runes[before])) before--;
        if (before < 0 || !IsCased(runes[before])) return false;
        int after = at + 1;
        while (after < runes.Length && IsCaseIgnorable(runes[after])) after++;
        return after == runes.Length || !IsCased(runes[after]);
    }

    /// <summary>Unicode's Cased property: letters with case, plus the few Other_Lowercase/Other_Uppercase
    /// characters that have no case mapping (ª, º and the squared/circled Latin capitals).</summary>
    static bool IsCased(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        || Rune.ToLowerInvariant(r) != r || Rune.ToUpperInvariant(r) != r
        || r.Value is 0xAA or 0xBA or >= 0x1F130 and <= 0x1F149 or >= 0x1F150 and <= 0x1F169 or >= 0x1F170 and <= 0x1F189;

    /// <summary>Unicode's Case_Ignorable property: marks, format characters, modifier letters and
    /// symbols, and the Word_Break MidLetter / MidNumLet / Single_Quote punctuation.</summary>
    static bool IsCaseIgnorable(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || r.Value is '\'' or '.' or ':' or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
            or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;
}
