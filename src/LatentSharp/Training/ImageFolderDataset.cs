using System.Text.Json;
using LatentSharp.Imaging;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>How images are brought to the training resolution.</summary>
/// <param name="CenterCrop">Scale the shorter side to the resolution and cut out the centre; when false the
/// whole image is scaled to a square (its aspect ratio is not kept).</param>
public sealed record ImagePreprocessing(int Resolution = 64, bool CenterCrop = true);

/// <summary>
/// Image–caption pairs from a folder, in the two layouts people already have:
/// <list type="bullet">
/// <item>the Hugging Face "imagefolder": a <c>metadata.jsonl</c> whose lines name <c>file_name</c> (relative to
///   the folder) and <c>text</c> (what <c>sd data shapes</c> writes);</item>
/// <item>without metadata.jsonl, every image under the folder with a <c>.txt</c> caption beside it
///   (<c>cat.png</c> + <c>cat.txt</c>).</item>
/// </list>
/// Images are decoded once, brought to the resolution and held as one uint8 tensor [N, 3, S, S]. An image
/// that cannot be read, or has no caption, is skipped and listed in <see cref="Skipped"/>, never fatal.
/// </summary>
internal sealed class ImageFolderDataset : IDisposable
{
    public const string MetadataFile = "metadata.jsonl";
    static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga"];

    ImageFolderDataset(Tensor images, IReadOnlyList<string> captions, IReadOnlyList<string> files, IReadOnlyList<SkippedImage> skipped)
    {
        Images = images;
        Captions = captions;
        Files = files;
        Skipped = skipped;
    }

    /// <summary>uint8 [N, 3, S, S].</summary>
    public Tensor Images { get; }
    public IReadOnlyList<string> Captions { get; }

    /// <summary>Each image's path relative to the folder.</summary>
    public IReadOnlyList<string> Files { get; }

    public IReadOnlyList<SkippedImage> Skipped { get; }
    public int Count => Captions.Count;
    public int Resolution => (int)Images.shape[^1];

    public static ImageFolderDataset Load(string folder, ImagePreprocessing preprocessing)
    {
        if (!Directory.Exists(folder)) throw new LatentSharpException($"{folder}: data folder not found");
        if (preprocessing.Resolution is < 8 or > 4096) throw new LatentSharpException($"resolution must be between 8 and 4096 (got {preprocessing.Resolution})");
        var skipped = new List<SkippedImage>();
        var entries = File.Exists(Path.Combine(folder, MetadataFile)) ? FromMetadata(folder, skipped) : FromCaptionFiles(folder, skipped);

        var decoded = new RgbImage?[entries.Count];
        var failures = new string?[entries.Count];
        Parallel.For(0, entries.Count, i =>
        {
            try { decoded[i] = Prepare(ImageReader.Read(Path.Combine(folder, entries[i].File)), preprocessing); }
            catch (LatentSharpException e) { failures[i] = e.Message; }
        });

        var kept = new List<int>();
        for (int i = 0; i < entries.Count; i++)
            if (decoded[i] != null) kept.Add(i);
            else skipped.Add(new SkippedImage(entries[i].File, failures[i]!));
        if (kept.Count == 0)
            throw new LatentSharpException($"{folder}: no usable image–caption pairs" + (skipped.Count > 0 ? $" ({skipped.Count} skipped, e.g. {skipped[0]})" : ""));

        var images = ToTensor(kept.Select(i => decoded[i]!).ToList(), preprocessing.Resolution);
        return new ImageFolderDataset(images, kept.Select(i => entries[i].Caption).ToList(), kept.Select(i => entries[i].File).ToList(), skipped);
    }

    /// <summary>
    /// A training run's images: <see cref="Load"/>, the skipped files reported, then (with <paramref name="randomFlip"/>)
    /// <see cref="WithMirroredCopies"/> in its place. <paramref name="originals"/> is the count before mirroring, which the
    /// data order draws from.
    /// </summary>
    public static ImageFolderDataset LoadForTraining(string folder, ImagePreprocessing preprocessing, bool randomFlip,
        Action<string>? report, out int originals)
    {
        var data = Load(folder, preprocessing);
        report?.Invoke($"{data.Count} images from {folder}" + (data.Skipped.Count > 0 ? $", {data.Skipped.Count} skipped (first: {data.Skipped[0]})" : ""));
        originals = data.Count;
        if (!randomFlip) return data;
        using (data) return data.WithMirroredCopies();
    }

    /// <summary>This set followed by its mirror images, whose captions have left and right swapped (<see cref="CaptionMirroring"/>).</summary>
    public ImageFolderDataset WithMirroredCopies()
    {
        using var scope = NewDisposeScope();
        var images = cat([Images, Images.flip(3)], 0).MoveToOuterDisposeScope();
        return new ImageFolderDataset(images, [.. Captions, .. Captions.Select(CaptionMirroring.SwapLeftRight)], [.. Files, .. Files], Skipped);
    }

    /// <summary>uint8 [N, 3, S, S]: a quarter of the memory of float32, converted batch by batch when used.</summary>
    static Tensor ToTensor(List<RgbImage> images, int side)
    {
        int each = side * side * 3;
        var bytes = new byte[(long)images.Count * each];
        for (int i = 0; i < images.Count; i++) images[i].Pixels.CopyTo(bytes, (long)i * each);
        using var scope = NewDisposeScope();
        return tensor(bytes, [images.Count, side, side, 3], ScalarType.Byte).permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();
    }

    static RgbImage Prepare(RgbImage image, ImagePreprocessing p) =>
        p.CenterCrop ? Resampling.ResizeAndCenterCrop(image, p.Resolution, p.Resolution) : Resampling.Resize(image, p.Resolution, p.Resolution);

    sealed record Entry(string File, string Caption);

    static List<Entry> FromMetadata(string folder, List<SkippedImage> skipped)
    {
        var entries = new List<Entry>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(Path.Combine(folder, MetadataFile)))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{MetadataFile} line {lineNumber}";
            try
            {
                using var json = JsonDocument.Parse(line);
                string? file = StringField(json.RootElement, "file_name"), text = StringField(json.RootElement, "text");
                if (file is null) skipped.Add(new SkippedImage(where, "no file_name"));
                else if (text is null) skipped.Add(new SkippedImage(file, "no text in " + where));
                else if (!File.Exists(Path.Combine(folder, file))) skipped.Add(new SkippedImage(file, "file not found"));
                else entries.Add(new Entry(file, text));
            }
            catch (JsonException) { skipped.Add(new SkippedImage(where, "not a JSON object")); }
        }
        return entries;
    }

    static string? StringField(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static List<Entry> FromCaptionFiles(string folder, List<SkippedImage> skipped)
    {
        var entries = new List<Entry>();
        var images = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => Path.GetRelativePath(folder, f))
            .Order(StringComparer.Ordinal);
        foreach (string file in images)
        {
            string captionFile = Path.Combine(folder, Path.ChangeExtension(file, ".txt"));
            if (File.Exists(captionFile)) entries.Add(new Entry(file, File.ReadAllText(captionFile).Trim()));
            else skipped.Add(new SkippedImage(file, "no caption (.txt beside it, or metadata.jsonl)"));
        }
        return entries;
    }

    public void Dispose() => Images.Dispose();
}

/// <summary>An image left out of a data set, and why.</summary>
internal sealed record SkippedImage(string File, string Reason)
{
    public override string ToString() => $"{File}: {Reason}";
}
