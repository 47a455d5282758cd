using LatentSharp.Checkpoints;

namespace LatentSharp.Adapters;

/// <summary>
/// The textual-inversion embeddings of a folder (A1111's embeddings/, <c>--embeddings-dir</c>), each under its file
/// name: those that fit the text encoder are <see cref="Loaded"/>, those made for another model (another width) are
/// <see cref="Skipped"/>, as A1111 sorts them; files that cannot be used are listed with the reason.
/// </summary>
public sealed class EmbeddingFolder : IDisposable
{
    EmbeddingFolder(IReadOnlyList<TextualInversionFile> loaded, IReadOnlyList<TextualInversionFile> skipped, IReadOnlyList<string> unusable)
    {
        Loaded = loaded;
        Skipped = skipped;
        Unusable = unusable;
    }

    public IReadOnlyList<TextualInversionFile> Loaded { get; }
    public IReadOnlyList<TextualInversionFile> Skipped { get; }
    public IReadOnlyList<string> Unusable { get; }

    /// <param name="hiddenSize">The text encoder's width; embeddings of another width are skipped.</param>
    public static EmbeddingFolder Load(string folder, long hiddenSize)
    {
        if (!Directory.Exists(folder)) throw new LatentSharpException($"{folder}: embeddings folder not found");
        var loaded = new List<TextualInversionFile>();
        var skipped = new List<TextualInversionFile>();
        var unusable = new List<string>();
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is not (".safetensors" or ".pt" or ".bin")) continue;
            try
            {
                var embedding = TextualInversionFile.Load(path);
                if (!words.Add(embedding.Word))
                {
                    unusable.Add($"{path}: another file already uses the word '{embedding.Word}'");
                    embedding.Dispose();
                }
                else if (embedding.Vectors.TryGetValue("text_encoder", out var v) && v.shape[1] == hiddenSize) loaded.Add(embedding);
                else skipped.Add(embedding);
            }
            catch (CheckpointException e)
            {
                unusable.Add(e.Message);
            }
        }
        return new EmbeddingFolder(loaded, skipped, unusable);
    }

    public void Dispose()
    {
        foreach (var e in Loaded.Concat(Skipped)) e.Dispose();
    }
}
