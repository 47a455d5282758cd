using LatentSharp.Checkpoints;

namespace LatentSharp.Adapters;

/// <summary>A LoRA file found in a <see cref="LoraLibrary"/> folder: A1111's name (the file name), alias (ss_output_name) and metadata.</summary>
public sealed record LoraEntry(string Name, string Alias, string Path, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The LoRAs of a folder (A1111's models/Lora, <c>--lora-dir</c>), found by the names prompts use in
/// <c>&lt;lora:NAME:…&gt;</c>: the file name without extension, or the alias kohya recorded (ss_output_name).
/// Sub-folders are searched too. Only headers are read when listing; a file is loaded and validated when a
/// prompt first uses it, and the last few used stay loaded. Pickled files are listed by name but refused
/// when used. Thread-safe.
/// </summary>
public sealed class LoraLibrary : IDisposable
{
    const int LoadedLimit = 8;
    static readonly string[] PickleExtensions = [".pt", ".ckpt", ".bin", ".pth"];

    readonly object gate = new();
    readonly LinkedList<(string Path, DateTime Modified, LoraFile File)> loaded = new();
    List<LoraEntry> entries = [];
    List<string> pickled = [];

    public LoraLibrary(string folder)
    {
        if (!Directory.Exists(folder)) throw new LatentSharpException($"{folder}: LoRA folder not found");
        Folder = Path.GetFullPath(folder);
        Refresh();
    }

    public string Folder { get; }

    /// <summary>The LoRAs found by the last scan, by name.</summary>
    public IReadOnlyList<LoraEntry> Entries
    {
        get { lock (gate) return entries; }
    }

    /// <summary>Files whose header could not be read in the last scan, with the reason (one line each).</summary>
    public IReadOnlyList<string> Unreadable { get; private set; } = [];

    /// <summary>Scans the folder again (A1111's refresh-loras): new files appear, removed ones go.</summary>
    public void Refresh()
    {
        var found = new List<LoraEntry>();
        var unreadable = new List<string>();
        foreach (var path in Directory.EnumerateFiles(Folder, "*.safetensors", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            try
            {
                using var file = SafetensorsFile.Open(path);
                string name = System.IO.Path.GetFileNameWithoutExtension(path);
                string alias = file.Metadata.TryGetValue("ss_output_name", out var a) && a.Length > 0 ? a : name;
                found.Add(new LoraEntry(name, alias, path, file.Metadata));
            }
            catch (CheckpointException e)
            {
                unreadable.Add(e.Message);
            }
        }
        var pickles = Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories)
            .Where(p => PickleExtensions.Contains(System.IO.Path.GetExtension(p), StringComparer.OrdinalIgnoreCase)).ToList();
        lock (gate)
        {
            entries = found;
            pickled = pickles;
            Unreadable = unreadable;
        }
    }

    /// <summary>The entry a prompt's name refers to: a file name first, else an alias; null if none.</summary>
    public LoraEntry? Find(string name)
    {
        lock (gate)
            return entries.FirstOrDefault(e => e.Name == name) ?? entries.FirstOrDefault(e => e.Alias == name);
    }

    /// <summary>The loaded LoRA of that name; one-line errors for an unknown name, a pickled file, or a bad file.</summary>
    public LoraFile Get(string name)
    {
        var entry = Find(name);
        if (entry is null)
        {
            string? pickle;
            lock (gate) pickle = pickled.FirstOrDefault(p => System.IO.Path.GetFileNameWithoutExtension(p) == name);
            if (pickle != null) throw LoraFile.RefusePickle(pickle);
            throw new LatentSharpException($"unknown LoRA '{name}' (no {name}.safetensors in {Folder})");
        }
        var modified = File.GetLastWriteTimeUtc(entry.Path);
        lock (gate)
        {
            for (var node = loaded.First; node != null; node = node.Next)
            {
                if (node.Value.Path != entry.Path) continue;
                loaded.Remove(node);
                if (node.Value.Modified == modified)
                {
                    loaded.AddFirst(node);
                    return node.Value.File;
                }
                break;
            }
        }
        var file = LoraFile.Load(entry.Path);
        lock (gate)
        {
            loaded.AddFirst((entry.Path, modified, file));
            // Evicted files are not disposed: a generation may still hold them; the GC frees their tensors.
            while (loaded.Count > LoadedLimit) loaded.RemoveLast();
        }
        return file;
    }

    public void Dispose()
    {
        lock (gate) loaded.Clear();
    }
}
