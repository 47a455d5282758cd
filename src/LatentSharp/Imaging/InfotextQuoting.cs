using System.Text;
using System.Text.Json;

namespace LatentSharp.Imaging;

/// <summary>
/// How AUTOMATIC1111 quotes a value in the "Key: value, Key: value" line of its infotext: a value with a
/// comma, a colon or a newline is written as a JSON string (as Python's <c>json.dumps(v, ensure_ascii=False)</c>
/// writes it), any other value as it is. We also quote a value that would not read back the same unquoted
/// (one that starts with a double quote or has surrounding white space); A1111 reads those back correctly too.
/// </summary>
static class InfotextQuoting
{
    public static bool NeedsQuotes(string value) =>
        value.IndexOfAny([',', ':', '\n']) >= 0
        || value.StartsWith('"')
        || (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])));

    public static string Quote(string value) => NeedsQuotes(value) ? JsonString(value) : value;

    /// <summary>The value inside a JSON string literal; a malformed literal is returned as it is, as A1111 does.</summary>
    public static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"') return value;
        try
        {
            return JsonSerializer.Deserialize<string>(value) ?? value;
        }
        catch (JsonException)
        {
            return value;
        }
    }

    /// <summary>A JSON string literal with Python's escapes: \" \\ \n \r \t \b \f and \u00XX for other control characters.</summary>
    static string JsonString(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
