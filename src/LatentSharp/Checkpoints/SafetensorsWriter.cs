using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// Writes safetensors files. The file appears complete or not at all: bytes go to a temporary
/// name beside the target, which is renamed over it at the end.
/// </summary>
public static class SafetensorsWriter
{
    /// <param name="dtype">Converts floating-point tensors to this type (F16 for a small export, say).</param>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, ScalarType? dtype = null)
    {
        var items = tensors.ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        var prepared = new List<(string Name, ScalarType Type, long Bytes)>();
        foreach (var (name, t) in items)
        {
            var type = dtype is { } d && t.is_floating_point() ? d : t.dtype;
            long bytes = t.numel() * SafetensorsDType.SizeOf(type);
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = SafetensorsDType.NameOf(type),
                ["shape"] = t.shape,
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            prepared.Add((name, type, bytes));
            offset += bytes;
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        var headerBytes = new byte[padded];
        Array.Fill(headerBytes, (byte)' ');
        json.CopyTo(headerBytes, 0);

        AtomicFile.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)padded));
            stream.Write(headerBytes);
            for (int i = 0; i < items.Count; i++)
            {
                var (_, t) = items[i];
                using var cpu = t.detach().cpu().to_type(prepared[i].Type).contiguous();
                if (cpu.numel() > 0) stream.Write(cpu.bytes);
            }
        });
    }

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, ScalarType? dtype = null) =>
        Write(path, tensors.AsEnumerable(), metadata, dtype);
}
