using System.Globalization;
using LatentSharp.Cli.Benchmarking;
using LatentSharp.Cli.Generation;
using LatentSharp.Performance;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd bench`: speed and memory of every stage, per model × size × precision, each configuration in its own process.</summary>
public sealed class BenchCommand : ICommand, IHasFlags
{
    public string Name => "bench";
    public string Summary => "measure speed (s, GFLOP/s) and peak memory of text encoder, U-Net, VAE and whole images";
    public string Usage => $"""
        usage: sd bench [options]

        {Summary}.
        Each configuration (size × precision) runs in a child process, so its peak RSS is its own.

        options:
          --model M          {BenchModels.RandomSd15} (SD 1.5's shape, random weights, built in memory; default) or a model folder/file
          --tokenizer DIR    CLIP tokenizer folder
          --size LIST        image sides in pixels, comma-separated (default 256,512)
          --precision LIST   {string.Join(",", PrecisionNames.All)} (default both); bf16 falls back to fp32 without native CPU bf16
          --threads N        LibTorch intra-op threads (default {Environment.ProcessorCount}, the processor count)
          --repeats N        measured runs per part after one warm-up run (default 3); min and median are reported
          --steps N          guided steps of the end-to-end image (default 20)
          --vae-tile N       decode in overlapping tiles of N latent pixels (as sd generate --vae-tile)
          --parts LIST       any of {string.Join(",", BenchSettings.AllParts)} (default all)
          --json             one JSON object per configuration on stdout instead of the table
          --in-process       measure one size and precision in this process (what each child runs)
        """;

    public IReadOnlySet<string> Flags => new HashSet<string> { "json", "in-process" };

    public int Run(Arguments args)
    {
        var settings = Parse(args);
        bool json = args.Flag("json"), inProcess = args.Flag("in-process");
        args.EnsureAllUsed();
        if (inProcess)
        {
            if (settings.Sizes.Count != 1 || settings.Precisions.Count != 1)
                throw new UsageException("--in-process measures one configuration: give one --size and one --precision");
            var result = new ConfigurationBench(settings, line => Console.Error.WriteLine(line)).Run(settings.Sizes[0], settings.Precisions[0]);
            Console.WriteLine(json ? result.ToJson() : ResultTable.Format([result]));
            return 0;
        }
        var results = new List<BenchResult>();
        foreach (var precision in settings.Precisions)
            foreach (int size in settings.Sizes)
            {
                var result = BenchResult.FromJson(ChildProcess.RunSelf(ChildArguments(settings, size, precision)).Trim().Split('\n')[^1]);
                results.Add(result);
                if (json) Console.WriteLine(result.ToJson());
            }
        if (!json) Console.Write(ResultTable.Format(results));
        return 0;
    }

    static IEnumerable<string> ChildArguments(BenchSettings s, int size, Precision precision)
    {
        string[] common =
        [
            "bench", "--in-process", "--json", "--model", s.Model, "--size", size.ToString(CultureInfo.InvariantCulture),
            "--precision", precision.Name(), "--threads", s.Threads.ToString(CultureInfo.InvariantCulture),
            "--repeats", s.Repeats.ToString(CultureInfo.InvariantCulture), "--steps", s.Steps.ToString(CultureInfo.InvariantCulture),
            "--parts", string.Join(",", s.Parts),
        ];
        string[] tokenizer = s.Tokenizer is null ? [] : ["--tokenizer", s.Tokenizer];
        string[] tiling = s.VaeTile is int tile ? ["--vae-tile", tile.ToString(CultureInfo.InvariantCulture)] : [];
        return [.. common, .. tokenizer, .. tiling];
    }

    static BenchSettings Parse(Arguments args)
    {
        var sizes = List(args, "size", "256,512").Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out int v) && v >= 64 && v % 64 == 0
            ? v : throw new UsageException($"--size takes multiples of 64 (got '{s}')")).ToList();
        var precisions = List(args, "precision", string.Join(",", PrecisionNames.All)).Select(p => PrecisionNames.TryParse(p)
            ?? throw new UsageException($"--precision takes {string.Join(", ", PrecisionNames.All)} (got '{p}')")).Distinct().ToList();
        var parts = List(args, "parts", string.Join(",", BenchSettings.AllParts));
        foreach (var part in parts.Where(p => !BenchSettings.AllParts.Contains(p)))
            throw new UsageException($"--parts takes {string.Join(", ", BenchSettings.AllParts)} (got '{part}')");
        return new BenchSettings
        {
            Model = args.String("model", BenchModels.RandomSd15),
            Tokenizer = args.String("tokenizer"),
            Sizes = sizes,
            Precisions = precisions,
            Threads = args.Int("threads", Environment.ProcessorCount, 1, 1024),
            Repeats = args.Int("repeats", 3, 1, 1000),
            Steps = args.Int("steps", 20, 1, 1000),
            Parts = parts.ToHashSet(),
            VaeTile = args.Has("vae-tile") ? args.Int("vae-tile", 0, VaeTileOption.Min, 4096) : null,
        };
    }

    static List<string> List(Arguments args, string name, string fallback) =>
        args.String(name, fallback).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
}
