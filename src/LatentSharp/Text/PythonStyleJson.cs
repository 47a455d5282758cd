using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentSharp.Text;

/// <summary>
/// Writes JSON the way transformers writes tokenizer files (Python's
/// <c>json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)</c> plus a final newline), so the
/// files we save read, and diff, like the ones users already have.
/// </summary>
internal static class PythonStyleJson
{
    public static string Serialize(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node, 0);
        return sb.Append('\n').ToString();
    }

    static void Write(StringBuilder sb, JsonNode? node, int depth)
    {
        switch (node)
        {
            case null: sb.Append("null"); break;
            case JsonObject obj: WriteObject(sb, obj, depth); break;
            case JsonArray array: WriteArray(sb, array, depth); break;
            case JsonValue value: WriteValue(sb, value); break;
        }
    }

    static void WriteObject(StringBuilder sb, JsonObject obj, int depth)
    {
        if (obj.Count == 0) { sb.Append("{}"); return; }
        sb.Append('{');
        bool first = true;
        // Python sorts keys by code point; ordinal UTF-16 order differs only above the surrogates.
        foreach (var (key, value) in obj.OrderBy(kv => kv.Key, CodePointComparer.Instance))
        {
            sb.Append(first ? "\n" : ",\n").Append(' ', 2 * (depth + 1));
            first = false;
            Quote(sb, key);
            sb.Append(": ");
            Write(sb, value, depth + 1);
        }
        sb.Append('\n').Append(' ', 2 * depth).Append('}');
    }

    static void WriteArray(StringBuilder sb, JsonArray array, int depth)
    {
        if (array.Count == 0) { sb.Append("[]"); return; }
        sb.Append('[');
        for (int i = 0; i < array.Count; i++)
        {
            sb.Append(i == 0 ? "\n" : ",\n").Append(' ', 2 * (depth + 1));
            Write(sb, array[i], depth + 1);
        }
        sb.Append('\n').Append(' ', 2 * depth).Append(']');
    }

    static void WriteValue(StringBuilder sb, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String: Quote(sb, value.GetValue<string>()); break;
            case JsonValueKind.True: sb.Append("true"); break;
            case JsonValueKind.False: sb.Append("false"); break;
            default: sb.Append(value.ToJsonString()); break;
        }
    }

    /// <summary>Escapes only what Python escapes with ensure_ascii=False: quote, backslash and C0 controls.</summary>
    static void Quote(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
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
                case < ' ': sb.Append($"\\u{(int)c:x4}"); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            int n = Math.Min(x!.Length, y!.Length);
            for (int i = 0; i < n; i++)
                if (x[i] != y[i]) return Fixup(x[i]) - Fixup(y[i]);
            return x.Length - y.Length;
        }

        // Moves surrogates (U+D800–DFFF, i.e. code points ≥ U+10000) above U+E000–FFFF.
        static int Fixup(char c) => c >= 0xD800 ? (c >= 0xE000 ? c - 0x800 : c + 0x2000) : c;
    }
}
