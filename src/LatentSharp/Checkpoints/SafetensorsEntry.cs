using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>One tensor's header record: where its bytes are in the file and how to read them.</summary>
/// <param name="Begin">Offset of the first byte, relative to the start of the data section.</param>
/// <param name="End">Offset one past the last byte, relative to the start of the data section.</param>
public sealed record SafetensorsEntry(string Name, string DType, ScalarType ScalarType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
    public long NumberOfElements => Shape.Aggregate(1L, (a, b) => a * b);
}
