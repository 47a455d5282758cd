using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Checkpoints;

/// <summary>
/// A safetensors file opened for lazy reading: the header is parsed and validated up front, and each
/// tensor's bytes are read from disk only when asked for, straight into the tensor's own memory. No
/// memory map and no whole-file buffer, so loading a 4 GB file costs the tensors it produces and
/// nothing more (mapped pages would count in the process's RSS).
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    readonly SafeFileHandle handle;
    readonly long dataStart;
    readonly Dictionary<string, SafetensorsEntry> byName;

    SafetensorsFile(string path, SafeFileHandle handle, SafetensorsHeader.Parsed header)
    {
        Path = path;
        this.handle = handle;
        dataStart = header.DataStart;
        Entries = header.Entries;
        Metadata = header.Metadata;
        byName = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    public string Path { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IEnumerable<string> Keys => Entries.Select(e => e.Name);

    public bool Contains(string name) => byName.ContainsKey(name);

    public SafetensorsEntry Entry(string name) =>
        byName.TryGetValue(name, out var e) ? e : throw new CheckpointException(Path, $"no tensor named '{name}'");

    /// <summary>Opens and validates a file; throws <see cref="CheckpointException"/> with one line on any fault.</summary>
    public static SafetensorsFile Open(string path)
    {
        SafeFileHandle handle;
        try
        {
            if (Directory.Exists(path)) throw new CheckpointException(path, "is a folder, not a safetensors file");
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (FileNotFoundException) { throw new CheckpointException(path, "file not found"); }
        catch (DirectoryNotFoundException) { throw new CheckpointException(path, "file not found"); }
        catch (UnauthorizedAccessException) { throw new CheckpointException(path, "permission denied"); }
        catch (IOException e) { throw new CheckpointException(path, e.Message); }

        try
        {
            var header = SafetensorsHeader.Read(path, handle, RandomAccess.GetLength(handle));
            return new SafetensorsFile(path, handle, header);
        }
        catch (EndOfStreamException)
        {
            handle.Dispose();
            throw new CheckpointException(path, "file ended while reading the header");
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor, converted to <paramref name="dtype"/> when given (F16/BF16 → F32, say).</summary>
    public Tensor Read(string name, ScalarType? dtype = null)
    {
        var entry = Entry(name);
        var stored = torch.empty(entry.Shape, entry.ScalarType);
        try
        {
            ReadBytes(entry, stored);
        }
        catch
        {
            stored.Dispose();
            throw;
        }
        if (dtype is null || dtype == entry.ScalarType) return stored;
        using (stored) return stored.to_type(dtype.Value);
    }

    /// <summary>
    /// Copies one tensor into an existing one of the same shape (a module parameter, say), converting
    /// the dtype on the way; only the stored-dtype copy of this one tensor is held meanwhile.
    /// </summary>
    public void ReadInto(string name, Tensor destination)
    {
        var entry = Entry(name);
        if (!entry.Shape.SequenceEqual(destination.shape))
            throw new CheckpointException(Path, $"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], expected [{string.Join(", ", destination.shape)}]");
        using var stored = Read(name);
        using (torch.no_grad()) destination.copy_(stored);
    }

    public Dictionary<string, Tensor> ReadAll(ScalarType? dtype = null) =>
        Entries.ToDictionary(e => e.Name, e => Read(e.Name, dtype), StringComparer.Ordinal);

    void ReadBytes(SafetensorsEntry entry, Tensor into)
    {
        if (entry.ByteLength == 0) return;
        // A Span addresses at most 2 GB; no tensor of an SD model comes near (the largest is ≈ 200 MB).
        if (entry.ByteLength > int.MaxValue)
            throw new CheckpointException(Path, $"tensor '{entry.Name}' is {entry.ByteLength} bytes; tensors over 2 GB are not supported");
        try
        {
            SafetensorsHeader.ReadExactly(handle, into.bytes, dataStart + entry.Begin);
        }
        catch (EndOfStreamException)
        {
            throw new CheckpointException(Path, $"file ended inside tensor '{entry.Name}': truncated");
        }
    }

    public void Dispose() => handle.Dispose();
}
