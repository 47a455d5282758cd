using System.Text;

namespace LatentSharp.Text;

/// <summary>
/// GPT-2/CLIP byte-level alphabet: each of the 256 byte values is shown as one printable character, so
/// a BPE vocabulary of strings can cover arbitrary UTF-8 without whitespace or control characters in
/// its symbols. Printable Latin-1 bytes stand for themselves; the other 68 bytes take the characters
/// from U+0100 upwards, in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    static readonly char[] byteToChar = BuildByteToChar();
    static readonly Dictionary<char, byte> charToByte =
        Enumerable.Range(0, 256).ToDictionary(b => byteToChar[b], b => (byte)b);

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char CharOf(byte value) => byteToChar[value];

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one alphabet character per byte.</summary>
    public static string Encode(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, (chars, b) =>
        {
            for (int i = 0; i < b.Length; i++) chars[i] = byteToChar[b[i]];
        });
    }

    /// <summary>
    /// Back to text. Characters outside the alphabet (text of an added token that is not byte-level)
    /// pass through as their own UTF-8; malformed byte sequences become U+FFFD, like Python's
    /// errors="replace".
    /// </summary>
    public static string Decode(string symbols)
    {
        var bytes = new List<byte>(symbols.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (Rune r in symbols.EnumerateRunes())
        {
            if (r.IsBmp && charToByte.TryGetValue((char)r.Value, out byte b)) bytes.Add(b);
            else bytes.AddRange(utf8[..r.EncodeToUtf8(utf8)]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
            map[b] = IsPrintableLatin1(b) ? (char)b : (char)next++;
        return map;
    }

    static bool IsPrintableLatin1(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
}
