using System.Text;
using System.Text.Json;

namespace LatentSharp.Checkpoints;

/// <summary>
/// Parses and validates a safetensors header (8-byte little-endian length, then UTF-8 JSON).
/// Every field is checked before any tensor byte is touched, so a corrupt or hostile file fails
/// here with one message instead of crashing, hanging or allocating without bound later.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The format's own limit on the JSON header.</summary>
    public const long MaxHeaderBytes = 100_000_000;
    const int MaxRank = 16;

    internal sealed record Parsed(long DataStart, IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata);

    public static Parsed Read(string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle, long fileLength)
    {
        if (fileLength < 8) throw Fault(path, $"file is {fileLength} bytes, too short to hold a safetensors header");
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(handle, lengthBytes, 0);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength == 0) throw Fault(path, "header length is 0");
        if (headerLength > MaxHeaderBytes)
            throw Fault(path, $"header length {headerLength} exceeds the format's limit of {MaxHeaderBytes} bytes");
        if ((long)headerLength > fileLength - 8)
            throw Fault(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes): truncated or not a safetensors file");

        var json = new byte[headerLength];
        ReadExactly(handle, json, 8);
        long dataStart = 8 + (long)headerLength;
        return Parse(path, json, fileLength - dataStart) with { DataStart = dataStart };
    }

    static Parsed Parse(string path, byte[] json, long dataLength)
    {
        JsonDocument doc;
        try
        {
            // Strict decoding first: a header with invalid UTF-8 is a corrupt header.
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json);
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException e)
        {
            throw Fault(path, $"header is not valid JSON ({FirstLine(e.Message)})");
        }
        catch (DecoderFallbackException)
        {
            throw Fault(path, "header is not valid UTF-8");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Fault(path, "header is not a JSON object");
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw Fault(path, $"tensor '{Short(property.Name)}' appears twice in the header");
                if (property.Name == "__metadata__") ReadMetadata(path, property.Value, metadata);
                else entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }
            CheckNoOverlaps(path, entries);
            return new Parsed(0, entries, metadata);
        }
    }

    static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Fault(path, "__metadata__ is not a JSON object");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw Fault(path, $"__metadata__ value '{Short(p.Name)}' is not a string");
            metadata[p.Name] = p.Value.GetString()!;
        }
    }

    static SafetensorsEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        string where = $"tensor '{Short(name)}'";
        if (value.ValueKind != JsonValueKind.Object) throw Fault(path, $"{where}: header entry is not a JSON object");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Fault(path, $"{where}: missing or non-string dtype");
        string dtype = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out var scalarType, out int elementSize))
            throw Fault(path, $"{where}: unsupported dtype '{Short(dtype)}'");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Fault(path, $"{where}: missing or non-array shape");
        if (shapeElement.GetArrayLength() > MaxRank)
            throw Fault(path, $"{where}: shape has {shapeElement.GetArrayLength()} dimensions (at most {MaxRank} allowed)");
        var shape = new long[shapeElement.GetArrayLength()];
        long elements = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            var d = shapeElement[i];
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out shape[i]) || shape[i] < 0)
                throw Fault(path, $"{where}: shape entry {i} is not a non-negative integer");
            elements = CheckedMultiply(path, where, elements, shape[i]);
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
            throw Fault(path, $"{where}: data_offsets must be an array of two integers");
        if (!offsets[0].TryGetInt64Safe(out long begin) || !offsets[1].TryGetInt64Safe(out long end) || begin < 0 || end < begin)
            throw Fault(path, $"{where}: data_offsets [{offsets[0]}, {offsets[1]}] are not 0 ≤ begin ≤ end");
        if (end > dataLength)
            throw Fault(path, $"{where}: data_offsets end {end} lies past the end of the data ({dataLength} bytes): truncated file?");

        long expected = CheckedMultiply(path, where, elements, elementSize);
        if (end - begin != expected)
            throw Fault(path, $"{where}: shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes but data_offsets span {end - begin}");

        foreach (var p in value.EnumerateObject())
            if (p.Name is not ("dtype" or "shape" or "data_offsets"))
                throw Fault(path, $"{where}: unexpected header field '{Short(p.Name)}'");

        return new SafetensorsEntry(name, dtype, scalarType, shape, begin, end);
    }

    static void CheckNoOverlaps(string path, List<SafetensorsEntry> entries)
    {
        var sorted = entries.Where(e => e.ByteLength > 0).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
            if (sorted[i].Begin < sorted[i - 1].End)
                throw Fault(path, $"tensors '{Short(sorted[i - 1].Name)}' and '{Short(sorted[i].Name)}' overlap in the data section");
    }

    static long CheckedMultiply(string path, string where, long a, long b)
    {
        try { return checked(a * b); }
        catch (OverflowException) { throw Fault(path, $"{where}: shape is too large"); }
    }

    static bool TryGetInt64Safe(this JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value);
    }

    internal static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n <= 0) throw new EndOfStreamException();
            buffer = buffer[n..];
            offset += n;
        }
    }

    static CheckpointException Fault(string path, string fault) => new(path, fault);

    /// <summary>Keeps names from a hostile file from flooding the one-line message.</summary>
    static string Short(string s)
    {
        var clean = new StringBuilder();
        foreach (char c in s.Take(80)) clean.Append(char.IsControl(c) ? '?' : c);
        return s.Length > 80 ? clean + "…" : clean.ToString();
    }

    static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
