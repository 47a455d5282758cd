using System.Text;

namespace LatentSharp.Schedulers;

/// <summary>
/// Python's json module writes non-finite floats as bare NaN / Infinity / -Infinity (diffusers configs
/// contain e.g. <c>"lambda_min_clipped": -Infinity</c>), which standard JSON readers reject.
/// These helpers convert between that dialect and quoted literals, which System.Text.Json accepts
/// with <c>AllowNamedFloatingPointLiterals</c>. Text inside strings is never touched.
/// </summary>
static class PythonJson
{
    static readonly string[] Literals = ["-Infinity", "Infinity", "NaN"];

    public static string QuoteNonFiniteLiterals(string json)
    {
        var result = new StringBuilder(json.Length + 16);
        for (int i = 0; i < json.Length;)
        {
            if (json[i] == '"') { i = CopyString(json, i, result); continue; }
            string? literal = Literals.FirstOrDefault(l => string.CompareOrdinal(json, i, l, 0, l.Length) == 0);
            if (literal != null) { result.Append('"').Append(literal).Append('"'); i += literal.Length; continue; }
            result.Append(json[i++]);
        }
        return result.ToString();
    }

    public static string UnquoteNonFiniteLiterals(string json)
    {
        var result = new StringBuilder(json.Length);
        for (int i = 0; i < json.Length;)
        {
            if (json[i] != '"') { result.Append(json[i++]); continue; }
            int start = result.Length;
            i = CopyString(json, i, result);
            string token = result.ToString(start, result.Length - start);
            if (Literals.Any(l => token == $"\"{l}\"")) result.Remove(start, result.Length - start).Append(token[1..^1]);
        }
        return result.ToString();
    }

    /// <summary>Copies the string token starting at <paramref name="start"/> (a quote); returns the index after it.</summary>
    static int CopyString(string json, int start, StringBuilder result)
    {
        int i = start + 1;
        while (i < json.Length && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
        int end = Math.Min(i + 1, json.Length);
        result.Append(json, start, end - start);
        return end;
    }
}
