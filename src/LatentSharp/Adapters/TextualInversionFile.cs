using System.Security.Cryptography;
using LatentSharp.Checkpoints;
using static TorchSharp.torch;

namespace LatentSharp.Adapters;

/// <summary>
/// A textual-inversion embedding read from a .safetensors file and validated: n learned token vectors that a
/// word of the prompt stands for. Layouts: A1111 / kohya (<c>emb_params</c> [n, D]), SDXL A1111
/// (<c>clip_l</c> [n, 768] and <c>clip_g</c> [n, 1280]) and diffusers (one tensor named by its token, [D] or
/// [n, D]). The word is the file name without extension, as in A1111, unless given. Pickled embeddings
/// (.pt, .bin) are refused unopened, with the one-line conversion.
/// </summary>
public sealed class TextualInversionFile : IDisposable
{
    /// <summary>A prompt chunk holds 75 tokens; an embedding longer than that could never be used.</summary>
    public const int MaxVectors = 75;

    readonly Lazy<string> hash;

    TextualInversionFile(string path, string word, IReadOnlyDictionary<string, Tensor> vectors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Word = word;
        Vectors = vectors;
        Metadata = metadata;
        hash = new Lazy<string>(() => FileHash(path));
    }

    public string Path { get; }

    /// <summary>The word of the prompt the embedding stands for.</summary>
    public string Word { get; }

    /// <summary>The vectors per text encoder: "text_encoder" (SD 1.x/2.x, SDXL's CLIP-L) and "text_encoder_2" (SDXL's CLIP-G), each [n, D] float32.</summary>
    public IReadOnlyDictionary<string, Tensor> Vectors { get; }

    /// <summary>Number of vectors (tokens) the word becomes.</summary>
    public int VectorCount => (int)Vectors.Values.First().shape[0];

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The training step recorded in the file (A1111's "step"), if any.</summary>
    public int? Step => Metadata.TryGetValue("step", out var s) && int.TryParse(s, out int step) ? step : null;

    /// <summary>SHA-256 of the whole file (lower-case hex), as A1111 hashes embeddings.</summary>
    public string Hash => hash.Value;

    /// <summary>The first 12 hex digits of <see cref="Hash"/>, as A1111 writes it into "TI hashes".</summary>
    public string ShortHash => Hash[..12];

    /// <summary>Reads and validates an embedding; <paramref name="word"/> defaults to the file name without extension.</summary>
    public static TextualInversionFile Load(string path, string? word = null)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, Directory.Exists(path) ? "is a folder, not an embedding file" : "file not found");
        if (PickleCheckpoint.IsPickle(path)) throw RefusePickle(path);
        word ??= System.IO.Path.GetFileNameWithoutExtension(path);
        if (word.Length == 0 || word.Trim() != word) throw new CheckpointException(path, $"'{word}' cannot be a prompt word (empty, or spaces at its ends)");
        using var file = SafetensorsFile.Open(path);
        var keys = file.Keys.ToList();
        var layout = keys switch
        {
            ["emb_params"] => new Dictionary<string, string> { ["text_encoder"] = "emb_params" },
            _ when keys.Count == 2 && keys.Contains("clip_l") && keys.Contains("clip_g") =>
                new Dictionary<string, string> { ["text_encoder"] = "clip_l", ["text_encoder_2"] = "clip_g" },
            [var single] => new Dictionary<string, string> { ["text_encoder"] = single },
            _ => throw new CheckpointException(path, $"is not a textual-inversion embedding (expected one tensor, emb_params, or clip_l + clip_g; it has {keys.Count}: " +
                                                     $"{string.Join(", ", keys.Take(3))}{(keys.Count > 3 ? ", …" : "")})"),
        };
        var vectors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (encoder, key) in layout) vectors[encoder] = ReadVectors(file, key);
            if (vectors.Values.Select(v => v.shape[0]).Distinct().Count() > 1)
                throw new CheckpointException(path, "clip_l and clip_g hold different numbers of vectors");
        }
        catch
        {
            foreach (var v in vectors.Values) v.Dispose();
            throw;
        }
        return new TextualInversionFile(path, word, vectors, file.Metadata);
    }

    static Tensor ReadVectors(SafetensorsFile file, string key)
    {
        var entry = file.Entry(key);
        if (entry.ScalarType is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
            throw new CheckpointException(file.Path, $"{key} is {entry.DType}, not a floating-point tensor");
        if (entry.Shape.Length is not (1 or 2) || entry.Shape.Any(d => d == 0))
            throw new CheckpointException(file.Path, $"{key} has shape [{string.Join(", ", entry.Shape)}]; an embedding is [D] or [vectors, D]");
        if (entry.Shape.Length == 2 && entry.Shape[0] > MaxVectors)
            throw new CheckpointException(file.Path, $"{key} holds {entry.Shape[0]} vectors; a prompt chunk holds at most {MaxVectors}");
        var values = file.Read(key, ScalarType.Float32);
        if (values.dim() == 1)
        {
            var vector = values;
            values = vector.unsqueeze(0).contiguous();
            vector.Dispose();
        }
        bool finite;
        using (var check = values.isfinite().all()) finite = check.item<bool>();
        if (finite) return values;
        values.Dispose();
        throw new CheckpointException(file.Path, $"{key} contains NaN or infinite values");
    }

    static string FileHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The refusal for a pickled embedding (A1111 .pt or diffusers .bin), with the one-time conversion.</summary>
    public static CheckpointException RefusePickle(string path) => new(path,
        "is a PyTorch pickle file; LatentSharp reads embeddings only as .safetensors (unpickling can run arbitrary code). Convert it once with Python: " +
        $"python -c \"import torch, safetensors.torch as st; d = torch.load('{System.IO.Path.GetFileName(path)}', map_location='cpu', weights_only=True); " +
        "v = d['string_to_param']['*'] if 'string_to_param' in d else next(iter(d.values())); " +
        $"st.save_file({{'emb_params': v.reshape(-1, v.shape[-1]).float().contiguous()}}, '{System.IO.Path.GetFileNameWithoutExtension(path)}.safetensors')\"");

    public void Dispose()
    {
        foreach (var v in Vectors.Values) v.Dispose();
    }
}
