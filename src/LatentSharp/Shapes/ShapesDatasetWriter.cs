using System.Globalization;
using System.Text;
using System.Text.Json;
using LatentSharp.Imaging;

namespace LatentSharp.Shapes;

/// <summary>
/// Writes a shapes data set as a Hugging Face "imagefolder": numbered PNGs plus <c>metadata.jsonl</c>
/// with <c>file_name</c>, <c>text</c> and the true attributes of each image. The same seed, size, split
/// and count give byte-identical files.
/// </summary>
public static class ShapesDatasetWriter
{
    public const string MetadataFile = "metadata.jsonl";

    public static void Write(ShapesDataset dataset, long count, string directory)
    {
        if (count < 1) throw new LatentSharpException($"count must be at least 1 (got {count})");
        Directory.CreateDirectory(directory);
        int digits = Math.Max(5, (count - 1).ToString(CultureInfo.InvariantCulture).Length);
        var metadata = new StringBuilder();
        foreach (var sample in dataset.Take(count))
        {
            string fileName = sample.Index.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0') + ".png";
            PngWriter.Write(Path.Combine(directory, fileName), sample.Image, Parameters(dataset, sample));
            metadata.Append(MetadataLine(fileName, sample)).Append('\n');
        }
        // Written last, so a folder with metadata.jsonl has all its images.
        AtomicFile.WriteAllText(Path.Combine(directory, MetadataFile), metadata.ToString());
    }

    /// <summary>The image's caption and the generator settings that reproduce it, in the infotext format all our images carry.</summary>
    static GenerationParameters Parameters(ShapesDataset dataset, ShapesSample sample) => new()
    {
        Prompt = sample.Caption,
        Seed = unchecked((long)dataset.Seed),
        Width = dataset.ImageSize,
        Height = dataset.ImageSize,
        Extra =
        [
            new("Generator", "shapes"),
            new("Split", dataset.Split.ToString().ToLowerInvariant()),
            new("Index", sample.Index.ToString(CultureInfo.InvariantCulture)),
        ],
    };

    public static string MetadataLine(string fileName, ShapesSample sample)
    {
        var spec = sample.Spec;
        var (left, top, right, bottom) = ShapeRasterizer.BoundingBox(spec.Shape, sample.Geometry);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("file_name", fileName);
            json.WriteString("text", sample.Caption);
            json.WriteString("shape", ShapesVocabulary.Word(spec.Shape));
            json.WriteString("color", ShapesVocabulary.Word(spec.Color));
            json.WriteString("background", ShapesVocabulary.Word(spec.Background));
            json.WriteString("size", ShapesVocabulary.Word(spec.Size));
            json.WriteString("position", ShapesVocabulary.Slug(spec.Position));
            json.WriteNumber("size_px", sample.Geometry.Side);
            json.WriteNumber("center_x", sample.Geometry.CenterX);
            json.WriteNumber("center_y", sample.Geometry.CenterY);
            // COCO convention: [x, y, width, height] of the exact shape, in pixels.
            json.WriteStartArray("bbox");
            foreach (double v in new[] { left, top, right - left, bottom - top }) json.WriteNumberValue(Math.Round(v, 3));
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
