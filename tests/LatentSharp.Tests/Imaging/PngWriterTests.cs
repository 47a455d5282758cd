using System.Text;
using LatentSharp.Imaging;
using StbImageSharp;

namespace LatentSharp.Tests.Imaging;

public class PngWriterTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-png-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static RgbImage Noise(int width, int height, int seed)
    {
        var bytes = new byte[width * height * 3];
        new Random(seed).NextBytes(bytes);
        // Smooth regions too, so every PNG filter type gets chosen somewhere.
        for (int i = 0; i < bytes.Length / 2; i++) bytes[i] = (byte)(i / 7);
        return new RgbImage(width, height, bytes);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(37, 23)]
    [InlineData(256, 3)]
    public void StbImageDecodesTheExactPixels(int width, int height)
    {
        var image = Noise(width, height, width * height);
        var decoded = ImageResult.FromMemory(PngWriter.Encode(image), ColorComponents.RedGreenBlue);
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.Equal(image.Pixels, decoded.Data);
    }

    [Fact]
    public void ChunksHaveValidCrcsAndTheRightOrder()
    {
        var png = PngWriter.Encode(Noise(16, 16, 1), [new("parameters", "a cat\nSteps: 20, Sampler: Euler, CFG scale: 7")]);
        var chunks = PngTestFiles.Chunks(png);
        Assert.Equal(["IHDR", "tEXt", "IDAT", "IEND"], chunks.Select(c => c.Type));
        Assert.All(chunks, c => Assert.True(c.CrcOk, $"{c.Type} CRC"));
        Assert.Equal("parameters\0a cat\nSteps: 20, Sampler: Euler, CFG scale: 7", Encoding.Latin1.GetString(chunks[1].Data));
    }

    [Fact]
    public void ParametersRoundTripThroughAFile()
    {
        var parameters = new GenerationParameters
        {
            Prompt = "a photo of a cat, 4k, (detailed:1.2)",
            NegativePrompt = "blurry",
            Steps = 20, Sampler = "DPM++ 2M", CfgScale = 7.5, Seed = 42, Width = 64, Height = 48, Model = "sd15",
            Extra = [new("Eta", "0.5"), new("Note", "quoted \"text\", with: punctuation")],
        };
        string path = Path.Combine(dir, "cat.png");
        var image = Noise(64, 48, 3);
        PngWriter.Write(path, image, parameters);

        Assert.Equal(parameters, PngMetadata.ReadParameters(path));
        Assert.Equal(image.Pixels, ImageReader.Read(path).Pixels);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void NonLatinPromptsAreStoredAsUtf8InternationalText()
    {
        var parameters = new GenerationParameters { Prompt = "猫の写真 🐱", Steps = 4, Sampler = "Euler", Seed = 1 };
        string path = Path.Combine(dir, "neko.png");
        PngWriter.Write(path, new RgbImage(2, 2), parameters);

        Assert.Contains(PngTestFiles.Chunks(File.ReadAllBytes(path)), c => c.Type == "iTXt");
        Assert.Equal("猫の写真 🐱", PngMetadata.ReadParameters(path)!.Prompt);
    }

    [Fact]
    public void ReadsCompressedTextChunks()
    {
        // zTXt as other tools write it: keyword, NUL, method 0, zlib data.
        var z = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(Encoding.Latin1.GetBytes("hello, compressed"));
        var png = PngWriter.Encode(new RgbImage(1, 1));
        var chunk = Encoding.Latin1.GetBytes("Comment").Concat(new byte[] { 0, 0 }).Concat(z.ToArray()).ToArray();
        var withText = InsertChunkAfterHeader(png, "zTXt", chunk);
        using var stream = new MemoryStream(withText);
        Assert.Equal("hello, compressed", PngMetadata.ReadText(stream)["Comment"]);
    }

    [Fact]
    public void AnImageWithoutParametersReadsAsNull()
    {
        string path = Path.Combine(dir, "plain.png");
        PngWriter.Write(path, new RgbImage(3, 3));
        Assert.Null(PngMetadata.ReadParameters(path));
    }

    [Fact]
    public void MetadataOfANonPngIsOneLineNamingTheFile()
    {
        string path = Path.Combine(dir, "not.png");
        File.WriteAllText(path, "hello");
        var e = Assert.Throws<LatentSharpException>(() => PngMetadata.ReadParameters(path));
        Assert.Equal($"{path}: not a PNG file", e.Message);
    }

    static byte[] InsertChunkAfterHeader(byte[] png, string type, byte[] data)
    {
        const int afterHeader = 8 + 12 + 13;
        var chunk = new MemoryStream();
        var word = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        chunk.Write(word);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        chunk.Write(typeAndData);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(word, PngTestFiles.BitwiseCrc32(typeAndData));
        chunk.Write(word);
        return png.Take(afterHeader).Concat(chunk.ToArray()).Concat(png.Skip(afterHeader)).ToArray();
    }
}
