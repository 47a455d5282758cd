using System.Globalization;
using System.Text;

namespace LatentSharp.Text;

/// <summary>
/// The text clean-up transformers' slow CLIPTokenizer does when ftfy is not installed (the setup the
/// diffusers reference uses): its BERT-style BasicTokenizer with lower-casing, no accent stripping and
/// no punctuation splitting. The result is the words of the text, lower-cased, joined by single spaces.
/// </summary>
internal static class ClipTextNormalizer
{
    public static string Normalize(string text)
    {
        string cleaned = Clean(text);
        string composed = cleaned.Normalize(NormalizationForm.FormC);
        var words = composed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < words.Length; i++) words[i] = PythonLowerCase.ToLower(words[i]);
        return string.Join(' ', words);
    }

    /// <summary>
    /// Drops NUL, U+FFFD and every "other" character (control, format such as U+200B or the soft
    /// hyphen, private use, unassigned, lone surrogates), turns each Unicode space into ' ', and puts
    /// spaces around CJK ideographs so each becomes a word of its own. Tab, CR and LF count as spaces.
    /// </summary>
    static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        for (int i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out Rune r, out int used) != System.Buffers.OperationStatus.Done)
            {
                i += used; // a lone surrogate: Python sees a category "Cs" character and drops it
                continue;
            }
            i += used;
            if (IsWhitespace(r)) sb.Append(' ');
            else if (r.Value == 0 || r.Value == 0xFFFD || IsOther(r)) continue;
            else if (IsCjkIdeograph(r.Value)) sb.Append(' ').Append(r.ToString()).Append(' ');
            else sb.Append(r.ToString());
        }
        return sb.ToString();
    }

    static bool IsWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    static bool IsOther(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    /// <summary>The CJK Unified Ideographs blocks and extensions, and the compatibility ideographs
    /// (not Hiragana, Katakana or Hangul, which stay inside words).</summary>
    static bool IsCjkIdeograph(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
