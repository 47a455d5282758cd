using System.CommandLine;
using LatentSharp.Shapes;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd data shapes`: writes the synthetic shapes data set as an image folder with metadata.jsonl.</summary>
public sealed class DataShapesCommand : SdCommand
{
    static readonly Dictionary<string, ShapesSplit> Splits = new()
    {
        ["train"] = ShapesSplit.Train, ["held-out"] = ShapesSplit.HeldOut, ["all"] = ShapesSplit.All,
    };

    readonly Option<string?> output = CliOption.OptionalString("--out", "output folder (created if missing)", "DIR", required: true);
    readonly Option<int> count = CliOption.Int("--count", "number of images", 1000, 1, 10_000_000);
    readonly Option<int> size = CliOption.Int("--size", "image side in pixels, geometry scaled from 64", ShapesDataset.ReferenceSize, 16, 2048, helpName: "PX");
    readonly Option<long> seed = CliOption.Long("--seed", "random seed", 0, helpName: "S");
    readonly TextOption<ShapesSplit> split = CliOption.Choice("--split",
        "train: all shape/colour pairs except the held-out ones; held-out: only purple triangle, green star, yellow ring, " +
        "orange square, white cross; all: every pair", Splits, "train");
    readonly Option<IReadOnlyList<ShapeColor>?> colors = CliOption.Parsed<IReadOnlyList<ShapeColor>?>("--colors",
        "palette of shapes and backgrounds: +NAME adds a colour to the eight (+pink), NAMES replace them (red,pink,blue)", "LIST", ParseColors);
    readonly Option<double> axisCaptions = CliOption.Double("--axis-captions",
        "share of captions naming only the row (\"in the top row\") or only the column (\"in the left column\") of the position", 0, 0, 1, helpName: "SHARE");

    readonly Option<double> canonicalCaptions = CliOption.Double("--canonical-captions",
        "share of captions that are the canonical \"a large red circle at the top left on a blue background\"; the rest use every phrasing",
        ShapesCaptions.CanonicalShare, 0, 1, helpName: "SHARE");

    readonly Option<double?> smallShare = CliOption.OptionalDouble("--small-share",
        "probability that a shape is small (default: small and large alike)", 0, 1);

    public DataShapesCommand() : base("data shapes", "generate the synthetic shapes data set (PNGs + metadata.jsonl)", """
        Writes N images of one coloured shape on a flat background, named 00000.png…, and metadata.jsonl
        (file_name, text, shape, color, background, size, position, size_px, center_x, center_y, bbox).
        The same options always give byte-identical files.
        """)
    {
        Add(output);
        Add(count);
        Add(size);
        Add(seed);
        Add(split);
        Add(colors);
        Add(axisCaptions);
        Add(canonicalCaptions);
        Add(smallShare);
    }

    /// <summary>"+pink" → the eight colours and pink; "red,pink" → exactly those (and any "+" ones).</summary>
    static IReadOnlyList<ShapeColor> ParseColors(string text)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        ShapeColor Parse(string word)
        {
            try { return ShapesVocabulary.ParseColor(word); }
            catch (LatentSharpException e) { throw new UsageException($"--colors: {e.Message}"); }
        }
        var added = items.Where(i => i.StartsWith('+')).Select(i => Parse(i[1..])).ToList();
        var named = items.Where(i => !i.StartsWith('+')).Select(Parse).ToList();
        var palette = (named.Count > 0 ? named : [.. ShapesVocabulary.Colors]).Concat(added).Distinct().ToList();
        return palette.Count >= 2 ? palette : throw new UsageException($"--colors needs at least two colours (got '{text}')");
    }

    protected override bool UsesLibTorch => false;

    protected override int Run(ParseResult parse)
    {
        string folder = parse.GetValue(output)!;
        int images = parse.GetValue(count), side = parse.GetValue(size);
        var dataset = new ShapesDataset(unchecked((ulong)parse.GetValue(seed)), side, split.Read(parse), parse.GetValue(colors))
        {
            AxisCaptionShare = parse.GetValue(axisCaptions),
            CanonicalCaptionShare = parse.GetValue(canonicalCaptions),
            SmallShare = parse.GetValue(smallShare),
        };
        ShapesDatasetWriter.Write(dataset, images, folder);
        Console.WriteLine($"wrote {images} {side}x{side} images and {ShapesDatasetWriter.MetadataFile} to {folder}");
        return 0;
    }
}
