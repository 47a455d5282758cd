using System.Text;
using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Checkpoints;

public class SafetensorsTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ls-safetensors-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void ReadsEveryFixtureCaseWithTheDeclaredDtypesAndShapes()
    {
        int checkedTensors = 0;
        foreach (var c in Fixtures.CasesOfKind("unet").Concat(Fixtures.CasesOfKind("scheduler")).Concat(Fixtures.CasesOfKind("pipeline")))
        {
            var record = Fixtures.Case(c);
            using var file = SafetensorsFile.Open(Path.Combine(Fixtures.Root, record.GetProperty("file").GetString()!));
            foreach (var t in record.GetProperty("tensors").EnumerateObject())
            {
                using var tensor = file.Read(t.Name);
                var shape = t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                Assert.Equal(shape, tensor.shape);
                string dtype = t.Value.GetProperty("dtype").GetString()!;
                Assert.Equal(dtype switch { "float32" => ScalarType.Float32, "int64" => ScalarType.Int64, "float64" => ScalarType.Float64, _ => throw new Exception(dtype) }, tensor.dtype);
                checkedTensors++;
            }
        }
        Assert.True(checkedTensors > 500);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Float64)]
    public void RoundTripsBitExactly(ScalarType type)
    {
        var gen = new Generator(3);
        using var a = (randn(new long[] { 3, 5, 7 }, generator: gen) * 100).to_type(type);
        using var b = arange(12).reshape(3, 4).to_type(type);
        using var empty = zeros(new long[] { 0, 4 }, type);
        string path = Path.Combine(dir, "rt.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = a, ["b.weight"] = b, ["empty"] = empty },
            new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new[] { "a", "b.weight", "empty" }, file.Keys);
        Assert.Equal("pt", file.Metadata["format"]);
        using var ra = file.Read("a");
        using var rb = file.Read("b.weight");
        using var re = file.Read("empty");
        Assert.Equal(type, ra.dtype);
        Assert.True(a.eq(ra).all().item<bool>());
        Assert.True(b.eq(rb).all().item<bool>());
        Assert.Equal(new long[] { 0, 4 }, re.shape);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void ConvertsHalfPrecisionToTheAskedDtype(ScalarType stored)
    {
        using var source = randn(64, 9).to_type(stored);
        string path = Path.Combine(dir, "half.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = source });
        using var file = SafetensorsFile.Open(path);
        using var f32 = file.Read("w", ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, f32.dtype);
        Assert.True(f32.eq(source.to_type(ScalarType.Float32)).all().item<bool>());

        using var param = zeros(64, 9);
        file.ReadInto("w", param);
        Assert.True(param.eq(f32).all().item<bool>());
    }

    [Fact]
    public void WriterConvertsFloatsOnlyWhenAskedAndLeavesIntegersAlone()
    {
        using var w = randn(4, 4);
        using var ids = arange(5);
        string path = Path.Combine(dir, "fp16.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = w, ["ids"] = ids }, dtype: ScalarType.Float16);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal("F16", file.Entry("w").DType);
        Assert.Equal("I64", file.Entry("ids").DType);
    }

    public static IEnumerable<object[]> BadHeaders() => new[]
    {
        new object[] { "{", "not valid JSON" },
        new object[] { "[1,2]", "not a JSON object" },
        new object[] { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "needs 8 bytes" },
        new object[] { """{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}""", "unsupported dtype" },
        new object[] { """{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "non-negative" },
        new object[] { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", "begin ≤ end" },
        new object[] { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4000]}}""", "past the end" },
        new object[] { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "overlap" },
        new object[] { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "appears twice" },
        new object[] { """{"a":{"dtype":"F32","shape":[4611686018427387904, 4611686018427387904],"data_offsets":[0,4]}}""", "too large" },
        new object[] { """{"a":{"dtype":"F32","data_offsets":[0,4]}}""", "shape" },
        new object[] { """{"__metadata__":{"x":1}}""", "not a string" },
        new object[] { """{"a":[[[[[[[[1]]]]]]]]}""", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void RejectsBadHeadersWithOneLineNamingFileAndFault(string json, string fault)
    {
        string path = Path.Combine(dir, "bad.safetensors");
        var header = Encoding.UTF8.GetBytes(json);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[8]]);
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(fault, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void RejectsHeaderLengthsOutOfBounds()
    {
        string path = Path.Combine(dir, "len.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(ulong.MaxValue), .. new byte[16]]);
        Assert.Contains("exceeds", Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path)).Message);
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(1000UL), .. new byte[16]]);
        Assert.Contains("truncated", Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path)).Message);
        File.WriteAllBytes(path, new byte[5]);
        Assert.Contains("too short", Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path)).Message);
        Assert.Contains("not found", Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(Path.Combine(dir, "nope"))).Message);
    }

    [Fact]
    public void WriteIsAtomicAndLeavesNoTemporaryFiles()
    {
        string path = Path.Combine(dir, "atomic.safetensors");
        File.WriteAllText(path, "old");
        using var t = ones(2);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["t"] = t });
        Assert.Single(Directory.GetFiles(dir));
        using var f = SafetensorsFile.Open(path);
        Assert.Single(f.Keys);
    }

    /// <summary>
    /// Thousands of mutated copies of a valid file: each either reads completely or fails with a
    /// CheckpointException; never another exception, a crash or a hang.
    /// </summary>
    [Fact]
    public void RandomCorruptionNeverCrashesHangsOrAllocatesUnbounded()
    {
        string valid = Path.Combine(dir, "valid.safetensors");
        using (var a = randn(3, 4)) using (var b = arange(6).to_type(ScalarType.Float16)) using (var c = ones(2, 2).to_type(ScalarType.BFloat16))
            SafetensorsWriter.Write(valid, new Dictionary<string, Tensor> { ["a"] = a, ["layer.b"] = b, ["c"] = c },
                new Dictionary<string, string> { ["format"] = "pt" });
        byte[] original = File.ReadAllBytes(valid);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(original, 0);
        var rng = new Random(1234);
        string path = Path.Combine(dir, "mutant.safetensors");
        int opened = 0, rejected = 0;
        long memoryBefore = GC.GetTotalMemory(true);
        for (int i = 0; i < 3000; i++)
        {
            byte[] m = Mutate(original, headerEnd, rng);
            File.WriteAllBytes(path, m);
            try
            {
                using var f = SafetensorsFile.Open(path);
                foreach (var k in f.Keys.ToList()) f.Read(k, ScalarType.Float32).Dispose();
                opened++;
            }
            catch (CheckpointException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                rejected++;
            }
        }
        Assert.True(rejected > 1000, $"only {rejected} of 3000 mutants were rejected");
        Assert.True(opened > 10, $"only {opened} mutants opened");
        Assert.True(GC.GetTotalMemory(true) - memoryBefore < 50_000_000);
    }

    static byte[] Mutate(byte[] original, int headerEnd, Random rng)
    {
        var m = (byte[])original.Clone();
        switch (rng.Next(6))
        {
            case 0: // flip random bytes in the header
                for (int k = rng.Next(1, 4); k > 0; k--) m[8 + rng.Next(headerEnd - 8)] = (byte)rng.Next(256);
                return m;
            case 1: // truncate anywhere
                return m[..rng.Next(m.Length)];
            case 2: // rewrite the header length
                BitConverter.GetBytes(rng.Next(3) switch { 0 => (ulong)rng.NextInt64(), 1 => (ulong)rng.Next(headerEnd * 2), _ => (ulong)(headerEnd - 8 + rng.Next(-3, 4)) }).CopyTo(m, 0);
                return m;
            case 3: // change a digit in the header (shapes, offsets)
            {
                var digits = Enumerable.Range(8, headerEnd - 8).Where(i => m[i] is >= (byte)'0' and <= (byte)'9').ToArray();
                m[digits[rng.Next(digits.Length)]] = (byte)('0' + rng.Next(10));
                return m;
            }
            case 4: // splice in junk characters
            {
                int at = 8 + rng.Next(headerEnd - 8);
                m[at] = "{}[],:\"-9e\\\0\u00ff"[rng.Next(13)] is var ch ? (byte)ch : (byte)0;
                return m;
            }
            default: // corrupt data bytes (always readable; values are not validated)
                m[headerEnd + rng.Next(m.Length - headerEnd)] ^= 0xFF;
                return m;
        }
    }
}
