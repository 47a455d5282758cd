using System.Security.Cryptography;
using LatentSharp.Checkpoints;
using static TorchSharp.torch;

namespace LatentSharp.Adapters;

/// <summary>
/// A LoRA read from a .safetensors file and validated like a checkpoint: every tensor must be a down/up/alpha
/// tensor of a supported layout (<see cref="LoraTensorNames"/>), every layer must have both matrices with
/// agreeing ranks and shapes, every value must be finite. Anything else is refused with one line naming the
/// file and the fault; pickled files (.pt, .ckpt, .bin) are refused unopened.
/// Which model layers the file addresses is resolved later, against a model (<see cref="LoraModuleTable"/>).
/// </summary>
public sealed class LoraFile : IDisposable
{
    const int NamesShown = 3;
    readonly Lazy<string> hash;

    LoraFile(string path, IReadOnlyList<LoraLayer> layers, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Path = path;
        Layers = layers;
        Metadata = metadata;
        hash = new Lazy<string>(() => metadata.TryGetValue("sshs_model_hash", out var h) && IsSha256(h) ? h : DataHash(path, dataStart));
    }

    public string Path { get; }

    /// <summary>The name A1111 gives a LoRA: its file name without extension (what <c>&lt;lora:NAME:…&gt;</c> refers to).</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    /// <summary>kohya's <c>ss_output_name</c>, else the name (A1111's "alias").</summary>
    public string Alias => Metadata.TryGetValue("ss_output_name", out var alias) && alias.Length > 0 ? alias : Name;

    public IReadOnlyList<LoraLayer> Layers { get; }

    /// <summary>The file's string metadata (kohya's ss_* training record, or {"format": "pt"}).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// The hash A1111 records for LoRAs (lower-case hex SHA-256): the file's <c>sshs_model_hash</c>, else the
    /// "addnet" hash, SHA-256 of the bytes after the header (so editing the metadata keeps it).
    /// </summary>
    public string Hash => hash.Value;

    /// <summary>The first 12 hex digits of <see cref="Hash"/>, as A1111 writes it into "Lora hashes".</summary>
    public string ShortHash => Hash[..12];

    /// <summary>Reads and validates a LoRA file.</summary>
    public static LoraFile Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, Directory.Exists(path) ? "is a folder, not a LoRA file" : "file not found");
        if (PickleCheckpoint.IsPickle(path)) throw RefusePickle(path);
        using var file = SafetensorsFile.Open(path);
        var groups = Group(file);
        var layers = new List<LoraLayer>(groups.Count);
        try
        {
            foreach (var (name, keys) in groups) layers.Add(ReadLayer(file, name, keys));
        }
        catch
        {
            foreach (var layer in layers) Dispose(layer);
            throw;
        }
        long dataStart = 8 + (long)BitConverter.ToUInt64(ReadHead(path));
        return new LoraFile(path, layers, file.Metadata, dataStart);
    }

    /// <summary>Groups the tensor names by layer; throws on names of no supported layout and on incomplete layers.</summary>
    static SortedDictionary<string, Dictionary<LoraTensorRole, string>> Group(SafetensorsFile file)
    {
        var groups = new SortedDictionary<string, Dictionary<LoraTensorRole, string>>(StringComparer.Ordinal);
        var unknown = new List<string>();
        string? otherKind = null;
        foreach (var key in file.Keys)
        {
            if (!LoraTensorNames.TryParse(key, out var layer, out var role))
            {
                otherKind ??= LoraTensorNames.OtherAdapterKind(key);
                unknown.Add(key);
                continue;
            }
            var roles = groups.TryGetValue(layer, out var r) ? r : groups[layer] = [];
            if (!roles.TryAdd(role, key)) throw Fault(file.Path, $"layer {layer} has two {role.ToString().ToLowerInvariant()} tensors ({roles[role]}, {key})");
        }
        if (otherKind != null) throw Fault(file.Path, $"is a {otherKind} adapter, not a LoRA; only LoRA (LoCon included) is supported ({Names(unknown)})");
        if (unknown.Count > 0) throw Fault(file.Path, $"{Count(unknown.Count, "tensor")} of no LoRA layout ({Names(unknown)})");
        if (groups.Count == 0) throw Fault(file.Path, "holds no LoRA layers");
        var incomplete = groups.Where(g => !g.Value.ContainsKey(LoraTensorRole.Down) || !g.Value.ContainsKey(LoraTensorRole.Up))
            .Select(g => g.Key).ToList();
        if (incomplete.Count > 0) throw Fault(file.Path, $"{Count(incomplete.Count, "layer")} without both down and up matrices ({Names(incomplete)})");
        return groups;
    }

    static LoraLayer ReadLayer(SafetensorsFile file, string name, Dictionary<LoraTensorRole, string> keys)
    {
        var down = file.Entry(keys[LoraTensorRole.Down]);
        var up = file.Entry(keys[LoraTensorRole.Up]);
        CheckShapes(file.Path, name, down.Shape, up.Shape);
        foreach (var entry in new[] { down, up })
            if (!IsFloat(entry.ScalarType)) throw Fault(file.Path, $"{entry.Name} is {entry.DType}, not a floating-point tensor");

        double? alpha = null;
        if (keys.TryGetValue(LoraTensorRole.Alpha, out var alphaKey))
        {
            var entry = file.Entry(alphaKey);
            if (entry.NumberOfElements != 1 || !IsFloat(entry.ScalarType) && entry.ScalarType is not (ScalarType.Int64 or ScalarType.Int32))
                throw Fault(file.Path, $"{alphaKey} must be one number (it is {entry.DType} [{string.Join(", ", entry.Shape)}])");
            using var value = file.Read(alphaKey, ScalarType.Float64);
            alpha = value.flatten()[0].item<double>();
            if (!double.IsFinite(alpha.Value)) throw Fault(file.Path, $"{alphaKey} is not finite");
        }

        Tensor? downValues = null;
        try
        {
            downValues = ReadFinite(file, down.Name);
            var upValues = ReadFinite(file, up.Name);
            return new LoraLayer(name, downValues, upValues, alpha);
        }
        catch
        {
            downValues?.Dispose();
            throw;
        }
    }

    /// <summary>down [r, in(, kh, kw)] and up [out, r(, 1, 1)] with the same r.</summary>
    static void CheckShapes(string path, string layer, long[] down, long[] up)
    {
        string Shape(long[] s) => $"[{string.Join(", ", s)}]";
        bool downOk = down.Length is 2 or 4 && down.All(d => d > 0);
        bool upOk = up.Length == 2 || up.Length == 4 && up[2] == 1 && up[3] == 1;
        if (!downOk || !upOk || up.Any(d => d <= 0) || up[1] != down[0] || up.Length != down.Length)
            throw Fault(path, $"layer {layer}: down {Shape(down)} and up {Shape(up)} are not the matrices of one LoRA layer");
    }

    static Tensor ReadFinite(SafetensorsFile file, string key)
    {
        var tensor = file.Read(key);
        bool finite;
        using (var check = tensor.isfinite().all()) finite = check.item<bool>();
        if (finite) return tensor;
        tensor.Dispose();
        throw Fault(file.Path, $"{key} contains NaN or infinite values");
    }

    static bool IsFloat(ScalarType t) => t is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    static bool IsSha256(string s) => s.Length == 64 && s.All(Uri.IsHexDigit);

    static byte[] ReadHead(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[8];
        stream.ReadExactly(head);
        return head;
    }

    static string DataHash(string path, long dataStart)
    {
        using var stream = File.OpenRead(path);
        stream.Seek(dataStart, SeekOrigin.Begin);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The refusal for a pickled LoRA, with the one-time conversion.</summary>
    public static CheckpointException RefusePickle(string path) => new(path,
        "is a PyTorch pickle file; LatentSharp reads LoRAs only as .safetensors (unpickling can run arbitrary code). Convert it once with Python: " +
        $"python -c \"import torch, safetensors.torch as st; sd = torch.load('{System.IO.Path.GetFileName(path)}', map_location='cpu', weights_only=True); " +
        $"st.save_file({{k: v.contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}}, '{System.IO.Path.GetFileNameWithoutExtension(path)}.safetensors')\"");

    static CheckpointException Fault(string path, string fault) => new(path, fault);

    static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    static string Names(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(NamesShown)) + (names.Count > NamesShown ? $", … {names.Count - NamesShown} more" : "");

    static void Dispose(LoraLayer layer)
    {
        layer.Down.Dispose();
        layer.Up.Dispose();
    }

    public void Dispose()
    {
        foreach (var layer in Layers) Dispose(layer);
    }
}
