using System.CommandLine;
using System.Globalization;
using LatentSharp.Cli.Benchmarking;
using LatentSharp.Cli.Generation;
using LatentSharp.Performance;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd bench`: speed and memory of every stage, per model × size × precision, each configuration in its own process.</summary>
public sealed class BenchCommand : SdCommand
{
    readonly Option<string> model = CliOption.String("--model",
        $"{BenchModels.RandomSd15} (SD 1.5's shape, random weights, built in memory), {BenchModels.RandomSdxl} (SDXL 1.0's) or a model folder/file",
        BenchModels.RandomSd15, helpName: "M");
    readonly Option<string?> tokenizer = CliOption.OptionalString("--tokenizer", "CLIP tokenizer folder", "DIR");
    readonly TextOption<int[]> sizes = new("--size", "image sides in pixels, comma-separated", "LIST",
        text => List(text).Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out int v) && v >= 64 && v % 64 == 0
            ? v : throw new UsageException($"--size takes multiples of 64 (got '{s}')")).ToArray(), "256,512");
    readonly TextOption<Precision[]> precisions = new("--precision",
        $"{string.Join(",", PrecisionNames.All)}; bf16 falls back to fp32 without native CPU bf16", "LIST",
        text => List(text).Select(p => PrecisionNames.TryParse(p)
            ?? throw new UsageException($"--precision takes {string.Join(", ", PrecisionNames.All)} (got '{p}')")).Distinct().ToArray(),
        string.Join(",", PrecisionNames.All));
    readonly Option<int> threads = CliOption.Int("--threads", "LibTorch intra-op threads (by default the processor count)",
        Environment.ProcessorCount, 1, 1024);
    readonly Option<int> repeats = CliOption.Int("--repeats", "measured runs per part after one warm-up run; min and median are reported", 3, 1, 1000);
    readonly Option<int> steps = CliOption.Int("--steps", "guided steps of the end-to-end image", 20, 1, 1000);
    readonly Option<double> guidance = CliOption.Double("--guidance",
        "guidance scale of the end-to-end image (≤ 1: one U-Net pass per step, as SDXL-Turbo)", 7.5, 0, 100, helpName: "S");
    readonly Option<int?> vaeTile = VaeTileOption.Create("decode in overlapping tiles of N latent pixels (as sd generate --vae-tile)");
    readonly TextOption<string[]> parts = new("--parts", $"any of {string.Join(",", BenchSettings.AllParts)}", "LIST",
        text => List(text).Select(p => BenchSettings.AllParts.Contains(p)
            ? p : throw new UsageException($"--parts takes {string.Join(", ", BenchSettings.AllParts)} (got '{p}')")).ToArray(),
        string.Join(",", BenchSettings.AllParts));
    readonly Option<bool> json = CliOption.Flag("--json", "one JSON object per configuration on stdout instead of the table");
    readonly Option<bool> inProcess = CliOption.Flag("--in-process", "measure one size and precision in this process (what each child runs)");

    public BenchCommand() : base("bench", "measure speed (s, GFLOP/s) and peak memory of text encoder, U-Net, VAE and whole images",
        "Each configuration (size × precision) runs in a child process, so its peak RSS is its own.")
    {
        foreach (var option in new Option[] { model, tokenizer, sizes, precisions, threads, repeats, steps, guidance, vaeTile, parts, json, inProcess })
            Add(option);
    }

    protected override int Run(ParseResult parse)
    {
        var settings = new BenchSettings
        {
            Model = parse.GetValue(model)!,
            Tokenizer = parse.GetValue(tokenizer),
            Sizes = sizes.Read(parse),
            Precisions = precisions.Read(parse),
            Threads = parse.GetValue(threads),
            Repeats = parse.GetValue(repeats),
            Steps = parse.GetValue(steps),
            GuidanceScale = parse.GetValue(guidance),
            Parts = parts.Read(parse).ToHashSet(),
            VaeTile = parse.GetValue(vaeTile),
        };
        bool json = parse.GetValue(this.json);
        if (parse.GetValue(inProcess))
        {
            if (settings.Sizes.Count != 1 || settings.Precisions.Count != 1)
                throw new UsageException("--in-process measures one configuration: give one --size and one --precision");
            var result = new ConfigurationBench(settings, line => Console.Error.WriteLine(line)).Run(settings.Sizes[0], settings.Precisions[0]);
            if (json) Console.WriteLine(result.ToJson());
            else ResultTable.Write([result]);
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
        if (!json) ResultTable.Write(results);
        return 0;
    }

    static IEnumerable<string> ChildArguments(BenchSettings s, int size, Precision precision)
    {
        string[] common =
        [
            "bench", "--in-process", "--json", "--model", s.Model, "--size", size.ToString(CultureInfo.InvariantCulture),
            "--precision", precision.Name(), "--threads", s.Threads.ToString(CultureInfo.InvariantCulture),
            "--repeats", s.Repeats.ToString(CultureInfo.InvariantCulture), "--steps", s.Steps.ToString(CultureInfo.InvariantCulture),
            "--guidance", s.GuidanceScale.ToString(CultureInfo.InvariantCulture),
            "--parts", string.Join(",", s.Parts),
        ];
        string[] tokenizer = s.Tokenizer is null ? [] : ["--tokenizer", s.Tokenizer];
        string[] tiling = s.VaeTile is int tile ? ["--vae-tile", tile.ToString(CultureInfo.InvariantCulture)] : [];
        return [.. common, .. tokenizer, .. tiling];
    }

    static string[] List(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
