using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace LatentSharp.Imaging;

/// <summary>
/// Encodes 8-bit RGB PNGs with text chunks. Each row takes the PNG filter that gives the smallest sum of
/// absolute residuals (the heuristic libpng recommends), then the rows are deflated with zlib. Text is
/// written as tEXt when it is Latin-1 and as uncompressed UTF-8 iTXt otherwise, as Pillow does, so
/// prompts in any language survive.
/// </summary>
public static class PngWriter
{
    static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> atomically (no half-written file).</summary>
    public static void Write(string path, RgbImage image, IEnumerable<KeyValuePair<string, string>>? text = null) =>
        AtomicFile.WriteAllBytes(path, Encode(image, text));

    /// <summary>Writes an image that carries its generation parameters in a <c>parameters</c> text chunk (AUTOMATIC1111's convention).</summary>
    public static void Write(string path, RgbImage image, GenerationParameters parameters) =>
        Write(path, image, [new(PngMetadata.ParametersKey, parameters.Format())]);

    public static byte[] Encode(RgbImage image, IEnumerable<KeyValuePair<string, string>>? text = null)
    {
        using var png = new MemoryStream();
        png.Write(Signature);
        WriteChunk(png, "IHDR", Header(image));
        foreach (var (key, value) in text ?? [])
            WriteChunk(png, IsLatin1(value) ? "tEXt" : "iTXt", IsLatin1(value) ? TextChunk(key, value) : InternationalTextChunk(key, value));
        WriteChunk(png, "IDAT", CompressedRows(image));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    static byte[] Header(RgbImage image)
    {
        var h = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(h, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4), image.Height);
        h[8] = 8;   // bits per channel
        h[9] = 2;   // colour type: truecolour (RGB)
        // compression 0 (deflate), filter method 0 (adaptive), interlace 0 (none)
        return h;
    }

    static byte[] TextChunk(string key, string value)
    {
        CheckKeyword(key);
        return [.. Encoding.Latin1.GetBytes(key), 0, .. Encoding.Latin1.GetBytes(value)];
    }

    static byte[] InternationalTextChunk(string key, string value)
    {
        CheckKeyword(key);
        // keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated keyword + NUL, UTF-8 text
        return [.. Encoding.Latin1.GetBytes(key), 0, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(value)];
    }

    static void CheckKeyword(string key)
    {
        if (key.Length is < 1 or > 79 || !IsLatin1(key) || key.Contains('\0'))
            throw new ArgumentException($"PNG text keyword must be 1-79 Latin-1 characters: '{key}'", nameof(key));
    }

    static bool IsLatin1(string s) => s.All(c => c <= '\u00FF');

    static byte[] CompressedRows(RgbImage image)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            int stride = image.Width * 3;
            var previous = new byte[stride];
            var filtered = new byte[stride + 1];
            for (int y = 0; y < image.Height; y++)
            {
                var row = image.Pixels.AsSpan(y * stride, stride);
                PngFilters.FilterBest(row, previous, filtered);
                zlib.Write(filtered);
                row.CopyTo(previous);
            }
        }
        return compressed.ToArray();
    }

    /// <summary>A chunk's CRC-32 (ISO-HDLC, zlib's) over its type and data.</summary>
    internal static uint ChunkCrc(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        return crc.GetCurrentHashAsUInt32();
    }

    static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, ChunkCrc(typeBytes, data));
        png.Write(word);
    }
}
