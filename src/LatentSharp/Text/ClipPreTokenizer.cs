using System.Globalization;
using System.Text;

namespace LatentSharp.Text;

/// <summary>One unit of pre-tokenized text: an added token (taken verbatim) or a word to byte-pair encode.</summary>
internal readonly record struct TextPiece(string Text, bool IsAddedToken);

/// <summary>
/// Splits a prompt the way transformers' slow CLIPTokenizer does before byte-pair encoding:
/// 1. added tokens (the special tokens, e.g. "&lt;|endoftext|&gt;", and for SD 2.x also the pad token "!")
///    are cut out of the raw text, case-sensitively, leftmost-longest first;
/// 2. each remaining segment is cleaned and lower-cased (<see cref="ClipTextNormalizer"/>);
/// 3. CLIP's pattern splits it into words: the two special-token spellings, the contractions
///    's 't 're 've 'm 'll 'd, runs of letters, single digits, and runs of anything else but spaces.
/// The pattern is matched case-insensitively in the reference; on lower-cased text that only matters
/// for 'ſ' (long s, folds to 's') and U+0345 (see <see cref="KindAt"/>).
/// </summary>
internal sealed class ClipPreTokenizer
{
    static readonly string[] SpecialSpellings = ["<|startoftext|>", "<|endoftext|>"];
    static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    readonly Dictionary<char, string[]> addedByFirstChar;
    readonly char[] addedFirstChars;

    public ClipPreTokenizer(IEnumerable<string> addedTokens)
    {
        addedByFirstChar = addedTokens.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)
            .GroupBy(t => t[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Length).ToArray());
        addedFirstChars = addedByFirstChar.Keys.ToArray();
    }

    public List<TextPiece> Split(string text)
    {
        var pieces = new List<TextPiece>();
        int start = 0, at = 0;
        while ((at = NextAddedTokenStart(text, at)) >= 0)
        {
            string? token = AddedTokenAt(text, at);
            if (token == null) { at++; continue; }
            AddWords(text[start..at], pieces);
            pieces.Add(new TextPiece(token, true));
            start = at += token.Length;
        }
        AddWords(text[start..], pieces);
        return pieces;
    }

    /// <summary>Appends the words of a segment that holds no added token (steps 2 and 3).</summary>
    public static void AddWords(string segment, List<TextPiece> into)
    {
        if (segment.Length == 0) return;
        string text = ClipTextNormalizer.Normalize(segment);
        for (int pos = 0; pos < text.Length;)
        {
            int end = MatchAt(text, pos);
            if (end > pos) into.Add(new TextPiece(text[pos..end], false));
            else end = pos + 1; // a space: the pattern does not match it
            pos = end;
        }
    }

    int NextAddedTokenStart(string text, int from) =>
        addedFirstChars.Length == 0 || from >= text.Length ? -1 : text.IndexOfAny(addedFirstChars, from);

    string? AddedTokenAt(string text, int at)
    {
        foreach (string token in addedByFirstChar[text[at]])
            if (string.CompareOrdinal(text, at, token, 0, token.Length) == 0) return token;
        return null;
    }

    /// <summary>End of the pattern's match at <paramref name="pos"/>, or pos itself on a space.
    /// Alternatives are tried in the pattern's order.</summary>
    static int MatchAt(string text, int pos)
    {
        foreach (string s in SpecialSpellings)
            if (MatchesCaseInsensitive(text, pos, s)) return pos + s.Length;
        if (text[pos] == '\'')
            foreach (string c in Contractions)
                if (MatchesCaseInsensitive(text, pos, c)) return pos + c.Length;

        var kind = KindAt(text, pos, out int width);
        if (kind == CharKind.Space) return pos;
        if (kind == CharKind.Number) return pos + width;
        int end = pos + width;
        while (end < text.Length && KindAt(text, end, out int w) == kind) end += w;
        return end;
    }

    static bool MatchesCaseInsensitive(string text, int pos, string pattern)
    {
        if (pos + pattern.Length > text.Length) return false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char t = text[pos + i], p = pattern[i];
            if (t != p && char.ToLowerInvariant(t) != p && !(p == 's' && t == 'ſ')) return false;
        }
        return true;
    }

    enum CharKind { Space, Letter, Number, Other }

    static CharKind KindAt(string text, int pos, out int width)
    {
        if (Rune.DecodeFromUtf16(text.AsSpan(pos), out Rune r, out width) != System.Buffers.OperationStatus.Done)
            return CharKind.Other;
        // U+0345 (combining ypogegrammeni) folds to the letter ι, so the reference's case-insensitive
        // "[^\s\p{L}\p{N}]" rejects it while "\p{L}" does not take it either: no alternative matches it
        // and it is skipped like a space. It is the only character the flag affects this way.
        if (Rune.IsWhiteSpace(r) || r.Value == 0x0345) return CharKind.Space;
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharKind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharKind.Number,
            _ => CharKind.Other,
        };
    }
}
