using System.CommandLine;
using System.Text.Json;

namespace LatentSharp.Cli.Training;

/// <summary>
/// Where a training run's result is written (<c>--export</c>) and in which dtype (<c>--export-dtype</c>). The run
/// records them in <c>RUN/export.json</c>, because a run is usually resumed with the short command its progress line
/// prints (<c>sd train … --out RUN --resume</c>): without the record, a run started with <c>--export DIR --export-dtype
/// fp16</c> and resumed after a stop would write fp32 weights to <c>RUN/model</c>. Options given on resume win and
/// become the record.
/// </summary>
public sealed record ExportTarget(string Path, string Dtype)
{
    public const string FileName = "export.json";

    /// <summary>The target for this invocation: given options, else (resuming) the run's record, else the defaults.</summary>
    public static ExportTarget Choose(ParseResult parse, TrainingOptions options, string run, string defaultName, bool resume)
    {
        var recorded = resume ? Read(run) : null;
        string path = parse.GetValue(options.Export) ?? recorded?.Path ?? System.IO.Path.Combine(run, defaultName);
        string dtype = parse.Given(options.ExportDtype) ? parse.GetValue(options.ExportDtype)! : recorded?.Dtype ?? parse.GetValue(options.ExportDtype)!;
        options.ExportDtype.Convert(dtype);   // a hand-edited record is checked like the option
        return new ExportTarget(path, dtype);
    }

    /// <summary>
    /// Writes the record into the run folder (after the run exists: a new run's folder must start empty), with the
    /// path made absolute so a resume from another directory writes to the same place.
    /// </summary>
    public void Record(string run) => AtomicFile.WriteAllText(System.IO.Path.Combine(run, FileName),
        JsonSerializer.Serialize(this with { Path = System.IO.Path.GetFullPath(Path) }, ConfigJson.Options) + "\n");

    static ExportTarget? Read(string run)
    {
        string file = System.IO.Path.Combine(run, FileName);
        if (!File.Exists(file)) return null;   // runs started before the record existed
        try
        {
            var target = JsonSerializer.Deserialize<ExportTarget>(File.ReadAllText(file), ConfigJson.Options);
            return target is { Path.Length: > 0, Dtype.Length: > 0 } ? target : throw new JsonException("path or dtype missing");
        }
        catch (JsonException e)
        {
            throw new LatentSharpException($"{file}: not a valid export record ({e.Message}); delete it or pass --export and --export-dtype");
        }
    }
}
