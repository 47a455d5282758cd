using LatentSharp.Shapes;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd data shapes`: writes the synthetic shapes data set as an image folder with metadata.jsonl.</summary>
public sealed class DataShapesCommand : ICommand
{
    public string Name => "data shapes";
    public string Summary => "generate the synthetic shapes data set (PNGs + metadata.jsonl)";
    public string Usage => """
        usage: sd data shapes --out DIR [--count N] [--size PX] [--seed S] [--split train|held-out|all]

        Writes N images of one coloured shape on a flat background, named 00000.png…, and metadata.jsonl
        (file_name, text, shape, color, background, size, position, size_px, center_x, center_y, bbox).
        The same options always give byte-identical files.

          --out DIR     output folder (created if missing)
          --count N     number of images (default 1000)
          --size PX     image side in pixels, geometry scaled from 64 (default 64)
          --seed S      random seed (default 0)
          --split       train: all shape/colour pairs except the held-out ones (default);
                        held-out: only purple triangle, green star, yellow ring, orange square, white cross;
                        all: every pair
        """;

    public int Run(Arguments args)
    {
        string output = args.Required("out");
        int count = args.Int("count", 1000, 1, 10_000_000);
        int size = args.Int("size", ShapesDataset.ReferenceSize, 16, 2048);
        long seed = args.Long("seed", 0);
        var split = ParseSplit(args.String("split", "train"));
        args.EnsureAllUsed();

        var dataset = new ShapesDataset(unchecked((ulong)seed), size, split);
        ShapesDatasetWriter.Write(dataset, count, output);
        Console.WriteLine($"wrote {count} {size}x{size} images and {ShapesDatasetWriter.MetadataFile} to {output}");
        return 0;
    }

    static ShapesSplit ParseSplit(string split) => split switch
    {
        "train" => ShapesSplit.Train,
        "held-out" => ShapesSplit.HeldOut,
        "all" => ShapesSplit.All,
        _ => throw new UsageException($"--split must be train, held-out or all (got '{split}')"),
    };
}
