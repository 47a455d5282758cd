using System.Globalization;
using System.Text;

namespace LatentSharp.Prompts;

/// <summary>A run of prompt text and the weight its tokens get; <see cref="IsBreak"/> marks a BREAK.</summary>
public readonly record struct WeightedText(string Text, double Weight)
{
    /// <summary>AUTOMATIC1111 marks BREAK as the text "BREAK" with weight −1 (a BREAK inside brackets gets multiplied and stays a word).</summary>
    public bool IsBreak => Text == PromptAttention.Break && Weight == -1;
}

/// <summary>
/// AUTOMATIC1111's emphasis syntax (prompt_parser.parse_prompt_attention), parsed the way it parses it:
/// <c>(words)</c> ×1.1, <c>[words]</c> ÷1.1, <c>(words:1.5)</c> ×1.5, nesting multiplies, brackets left open at
/// the end still apply, <c>\(</c> <c>\)</c> <c>\[</c> <c>\]</c> <c>\\</c> are literal characters (a lone <c>\</c> is
/// dropped), an unmatched <c>)</c> or <c>]</c> and a stray <c>:</c> are plain text, and the word <c>BREAK</c>
/// outside brackets starts a new 75-token chunk. Runs of equal weight are merged; an empty prompt is one empty run.
/// </summary>
public static class PromptAttention
{
    public const string Break = "BREAK";
    public const double RoundBracket = 1.1;
    public const double SquareBracket = 1 / 1.1;

    public static IReadOnlyList<WeightedText> Parse(string prompt)
    {
        var runs = new List<(string Text, double Weight)>();
        var round = new Stack<int>();
        var square = new Stack<int>();
        void Multiply(int from, double by)
        {
            for (int p = from; p < runs.Count; p++) runs[p] = (runs[p].Text, runs[p].Weight * by);
        }

        for (int at = 0; at < prompt.Length;)
        {
            char c = prompt[at];
            if (c == '\\')
            {
                bool escapes = at + 1 < prompt.Length && prompt[at + 1] is '(' or ')' or '[' or ']' or '\\';
                runs.Add((escapes ? prompt[at + 1].ToString() : "", 1.0));
                at += escapes ? 2 : 1;
            }
            else if (c == '(') { round.Push(runs.Count); at++; }
            else if (c == '[') { square.Push(runs.Count); at++; }
            else if (c == ':' && WeightAt(prompt, at) is var (number, weightEnd))
            {
                // With no "(" open the reference keeps the whole ":weight)" as text (and never reads the number).
                if (round.Count > 0) Multiply(round.Pop(), ParseWeight(number, prompt[at..weightEnd]));
                else AddText(runs, prompt[at..weightEnd]);
                at = weightEnd;
            }
            else if (c == ')' && round.Count > 0) { Multiply(round.Pop(), RoundBracket); at++; }
            else if (c == ']' && square.Count > 0) { Multiply(square.Pop(), SquareBracket); at++; }
            else if (c is ')' or ']' or ':') { AddText(runs, c.ToString()); at++; }
            else
            {
                int end = at;
                while (end < prompt.Length && prompt[end] is not ('\\' or '(' or ')' or '[' or ']' or ':')) end++;
                AddText(runs, prompt[at..end]);
                at = end;
            }
        }
        foreach (int position in round) Multiply(position, RoundBracket);
        foreach (int position in square) Multiply(position, SquareBracket);
        if (runs.Count == 0) runs.Add(("", 1.0));
        return Merge(runs);
    }

    /// <summary>Text, split at each BREAK (a whole word, with the white space around it) into runs and break markers.</summary>
    static void AddText(List<(string, double)> runs, string text)
    {
        int start = 0;
        foreach (var (breakStart, breakEnd) in Breaks(text))
        {
            runs.Add((text[start..breakStart], 1.0));
            runs.Add((Break, -1));
            start = breakEnd;
        }
        runs.Add((text[start..], 1.0));
    }

    /// <summary>re.split(r"\s*\bBREAK\b\s*") boundaries: each BREAK with word boundaries and the white space around it.</summary>
    static IEnumerable<(int Start, int End)> Breaks(string text)
    {
        for (int from = 0; ;)
        {
            int at = text.IndexOf(Break, from, StringComparison.Ordinal);
            if (at < 0) yield break;
            int after = at + Break.Length;
            if ((at > 0 && IsWordChar(text[at - 1])) || (after < text.Length && IsWordChar(text[after])))
            {
                from = at + 1;
                continue;
            }
            int start = at, end = after;
            while (start > from && IsSpace(text[start - 1])) start--;
            while (end < text.Length && IsSpace(text[end])) end++;
            yield return (start, end);
            from = end;
        }
    }

    /// <summary>The reference's ":\s*([+-]?[.\d]+)\s*\)" at <paramref name="at"/>: the number's text and the end of the match.</summary>
    static (string Number, int End)? WeightAt(string text, int at)
    {
        int i = at + 1;
        while (i < text.Length && IsSpace(text[i])) i++;
        int numberStart = i;
        if (i < text.Length && text[i] is '+' or '-') i++;
        int digitsStart = i;
        while (i < text.Length && (text[i] == '.' || char.IsDigit(text[i]))) i++;
        if (i == digitsStart) return null;
        string number = text[numberStart..i];
        while (i < text.Length && IsSpace(text[i])) i++;
        if (i >= text.Length || text[i] != ')') return null;
        return (number, i + 1);
    }

    /// <summary>Python's float() of the number; the reference fails on "1.2.3" or "." too.</summary>
    static double ParseWeight(string number, string match) =>
        double.TryParse(ToAsciiDigits(number), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double weight)
            ? weight : throw new LatentSharpException($"prompt: '{match}' is not a weight (write a number such as :1.2)");

    /// <summary>Python's float() reads any Unicode decimal digits.</summary>
    static string ToAsciiDigits(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (char c in s) b.Append(char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c);
        return b.ToString();
    }

    /// <summary>Python's \s on str: Unicode white space, including the separators U+001C–U+001F.</summary>
    static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    /// <summary>Python's \w on str: letters, digits and the underscore.</summary>
    static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_' || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark
        or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>Neighbouring runs of the same weight become one (so "(a)(b)" is one run "ab" ×1.1).</summary>
    static List<WeightedText> Merge(List<(string Text, double Weight)> runs)
    {
        var merged = new List<WeightedText>();
        foreach (var (text, weight) in runs)
        {
            if (merged.Count > 0 && merged[^1].Weight == weight) merged[^1] = merged[^1] with { Text = merged[^1].Text + text };
            else merged.Add(new WeightedText(text, weight));
        }
        return merged;
    }
}
