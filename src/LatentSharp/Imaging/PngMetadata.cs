using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LatentSharp.Imaging;

/// <summary>
/// Reads the text chunks (tEXt, zTXt, iTXt) of a PNG without decoding its pixels, e.g. the
/// <c>parameters</c> chunk that LatentSharp and AUTOMATIC1111 write.
/// </summary>
public static class PngMetadata
{
    /// <summary>The keyword under which generation parameters are stored (AUTOMATIC1111's).</summary>
    public const string ParametersKey = "parameters";

    static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Parsed generation parameters, or null when the PNG has no <c>parameters</c> chunk.</summary>
    public static GenerationParameters? ReadParameters(string path) =>
        ReadText(path).TryGetValue(ParametersKey, out var text) ? GenerationParameters.Parse(text) : null;

    /// <summary>All text chunks, keyword → text (the first chunk wins when a keyword repeats).</summary>
    public static IReadOnlyDictionary<string, string> ReadText(string path)
    {
        using var file = File.OpenRead(path);
        try
        {
            return ReadText(file);
        }
        catch (InvalidDataException e)
        {
            throw new LatentSharpException($"{path}: {e.Message}");
        }
    }

    /// <summary>Reads text chunks from a PNG stream; a damaged file throws <see cref="InvalidDataException"/>.</summary>
    public static IReadOnlyDictionary<string, string> ReadText(Stream png)
    {
        var signature = new byte[8];
        if (png.ReadAtLeast(signature, 8, throwOnEndOfStream: false) < 8 || !signature.AsSpan().SequenceEqual(Signature))
            throw new InvalidDataException("not a PNG file");
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        var header = new byte[8];
        while (true)
        {
            if (png.ReadAtLeast(header, 8, throwOnEndOfStream: false) < 8)
                throw new InvalidDataException("truncated PNG (no IEND chunk)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
            string type = Encoding.ASCII.GetString(header, 4, 4);
            if (length > int.MaxValue) throw new InvalidDataException($"PNG chunk {type} has an invalid length");
            if (type == "IEND") return texts;
            if (type is "tEXt" or "zTXt" or "iTXt")
            {
                var (key, value) = DecodeText(type, ReadChunkData(png, header, (int)length));
                texts.TryAdd(key, value);
            }
            else png.Seek(length + 4L, SeekOrigin.Current);
        }
    }

    static byte[] ReadChunkData(Stream png, byte[] header, int length)
    {
        var data = new byte[length];
        var crc = new byte[4];
        if (png.ReadAtLeast(data, length, throwOnEndOfStream: false) < length || png.ReadAtLeast(crc, 4, throwOnEndOfStream: false) < 4)
            throw new InvalidDataException("truncated PNG text chunk");
        if (PngWriter.ChunkCrc(header.AsSpan(4, 4), data) != BinaryPrimitives.ReadUInt32BigEndian(crc))
            throw new InvalidDataException("PNG text chunk fails its CRC check");
        return data;
    }

    static (string Key, string Value) DecodeText(string type, byte[] data)
    {
        int nul = Array.IndexOf(data, (byte)0);
        if (nul < 1) throw new InvalidDataException($"PNG {type} chunk has no keyword");
        string key = Encoding.Latin1.GetString(data, 0, nul);
        var rest = data.AsSpan(nul + 1);
        return type switch
        {
            "tEXt" => (key, Encoding.Latin1.GetString(rest)),
            "zTXt" => (key, Encoding.Latin1.GetString(Inflate(rest[1..].ToArray()))),
            _ => (key, DecodeInternationalText(rest)),
        };
    }

    static string DecodeInternationalText(ReadOnlySpan<byte> rest)
    {
        if (rest.Length < 2) throw new InvalidDataException("PNG iTXt chunk is too short");
        bool compressed = rest[0] == 1;
        var afterFlags = rest[2..];
        int languageEnd = afterFlags.IndexOf((byte)0);
        if (languageEnd < 0) throw new InvalidDataException("PNG iTXt chunk has no language tag");
        var afterLanguage = afterFlags[(languageEnd + 1)..];
        int translatedEnd = afterLanguage.IndexOf((byte)0);
        if (translatedEnd < 0) throw new InvalidDataException("PNG iTXt chunk has no translated keyword");
        var text = afterLanguage[(translatedEnd + 1)..].ToArray();
        return Encoding.UTF8.GetString(compressed ? Inflate(text) : text);
    }

    /// <summary>Compressed text is capped so a hostile file cannot inflate into gigabytes.</summary>
    const int MaxInflatedText = 16 << 20;

    static byte[] Inflate(byte[] zlibData)
    {
        using var input = new ZLibStream(new MemoryStream(zlibData), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[1 << 16];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            if (output.Length + read > MaxInflatedText) throw new InvalidDataException("PNG text chunk inflates past 16 MiB");
            output.Write(buffer, 0, read);
        }
        return output.ToArray();
    }
}
