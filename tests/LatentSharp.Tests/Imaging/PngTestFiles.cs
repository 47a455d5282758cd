using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LatentSharp.Tests.Imaging;

/// <summary>Hand-built PNG files for reader tests, written independently of the library's encoder.</summary>
static class PngTestFiles
{
    /// <summary>A valid 8-bit RGBA PNG (colour type 6), rows unfiltered.</summary>
    public static byte[] Rgba(int width, int height, byte[] rgba)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            raw.Write(rgba, y * width * 4, width * 4);
        }
        var z = new MemoryStream();
        using (var zlib = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(raw.ToArray());
        return Assemble(Header(width, height, colourType: 6), z.ToArray());
    }

    /// <summary>A PNG that only claims a size in its header (no pixel data worth the name).</summary>
    public static byte[] ClaimingSize(int width, int height) => Assemble(Header(width, height, colourType: 2), [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);

    static byte[] Header(int width, int height, byte colourType)
    {
        var h = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(h, width);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4), height);
        h[8] = 8;
        h[9] = colourType;
        return h;
    }

    static byte[] Assemble(byte[] header, byte[] idat)
    {
        var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", idat);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        var word = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, BitwiseCrc32(typeAndData));
        s.Write(word);
    }

    /// <summary>CRC-32 bit by bit (no table), to check the library's table-driven one independently.</summary>
    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    /// <summary>The chunks of a PNG: type, data, and whether the stored CRC matches.</summary>
    public static List<(string Type, byte[] Data, bool CrcOk)> Chunks(byte[] png)
    {
        var chunks = new List<(string, byte[], bool)>();
        int pos = 8;
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length).ToArray();
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            chunks.Add((type, data, stored == BitwiseCrc32(png.AsSpan(pos + 4, length + 4))));
            pos += 12 + length;
        }
        return chunks;
    }
}
