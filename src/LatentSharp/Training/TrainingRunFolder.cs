using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentSharp.Training;

/// <summary>
/// A training run's folder (<c>--out DIR</c>): <c>run.json</c> (what is trained and how — read back by
/// <c>--resume</c>), <c>checkpoints/</c>, <c>samples/step_NNNNNNN.png</c>, <c>train_log.jsonl</c>,
/// <c>loss.png</c>, <c>eval.jsonl</c> and <c>eval.png</c> (when the run evaluates) and whatever the trainer keeps beside them (tokenizer, latent cache, exported model).
/// </summary>
public sealed class TrainingRunFolder
{
    public const string RunFileName = "run.json";

    public TrainingRunFolder(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }
    public string RunFile => Path.Combine(Root, RunFileName);
    public string Checkpoints => Path.Combine(Root, "checkpoints");
    public string Samples => Path.Combine(Root, "samples");
    public string LogFile => Path.Combine(Root, "train_log.jsonl");
    public string LossPlot => Path.Combine(Root, "loss.png");
    public string EvalLog => Path.Combine(Root, "eval.jsonl");
    public string EvalPlot => Path.Combine(Root, "eval.png");
    public string this[string relative] => Path.Combine(Root, relative);

    public bool HasRun => File.Exists(RunFile);

    public string SamplePath(long step) => Path.Combine(Samples, $"step_{step.ToString("D7", CultureInfo.InvariantCulture)}.png");

    /// <summary>Starts a new run: the folder must be new or empty.</summary>
    public void Create<TSpec>(TSpec spec, string kind)
    {
        if (HasRun) throw new LatentSharpException($"{Root}: already holds a training run; pass --resume to continue it or choose another folder");
        if (Directory.Exists(Root) && Directory.EnumerateFileSystemEntries(Root).Any())
            throw new LatentSharpException($"{Root}: exists and is not empty; choose a new folder for the run");
        Directory.CreateDirectory(Root);
        Update(spec, kind);
    }

    /// <summary>Rewrites run.json, e.g. with the configs a new run resolved from presets (so later code changes cannot alter a resumed run).</summary>
    public void Update<TSpec>(TSpec spec, string kind)
    {
        var node = JsonSerializer.SerializeToNode(spec, ConfigJson.Options)!.AsObject();
        node.Insert(0, "kind", kind);
        AtomicFile.WriteAllText(RunFile, node.ToJsonString(ConfigJson.Options) + "\n");
    }

    /// <summary>Reads the spec of an existing run of <paramref name="kind"/>.</summary>
    public TSpec Read<TSpec>(string kind)
    {
        if (!HasRun) throw new LatentSharpException($"{Root}: no training run to resume (no {RunFileName})");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(RunFile))?.AsObject() ?? throw new JsonException("not an object");
            string? found = node["kind"]?.GetValue<string>();
            if (found != kind) throw new LatentSharpException($"{RunFile}: this is a '{found}' run, not a '{kind}' run");
            node.Remove("kind");
            return node.Deserialize<TSpec>(ConfigJson.Options) ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new LatentSharpException($"{RunFile}: not a valid run description ({e.Message.Split('\n')[0]})");
        }
    }
}
