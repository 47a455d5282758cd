using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSharp.Shapes;

namespace LatentSharp.Evaluation;

/// <summary>
/// The results of <c>sd eval</c> as JSON (settings, the judge's ground-truth accuracy, per-scale scores
/// for seen and held-out colour–shape pairs, diversity, and every judged sample) and as a Markdown table.
/// </summary>
public sealed record EvalReport(string Model, EvalSettings Settings, int Prompts, AttributeScores JudgeGroundTruth,
    IReadOnlyList<ScaleResult> Scales)
{
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["model"] = Model,
            ["scheduler"] = Settings.Scheduler,
            ["steps"] = Settings.Steps,
            ["seeds_per_prompt"] = Settings.Seeds,
            ["prompts"] = Prompts,
            ["judge_ground_truth_accuracy"] = Scores(JudgeGroundTruth),
            ["scales"] = new JsonArray(Scales.Select(Scale).ToArray<JsonNode?>()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static JsonObject Scale(ScaleResult r) => new()
    {
        ["guidance"] = r.GuidanceScale,
        ["diversity"] = Round(r.Diversity),
        ["seen_pairs"] = Scores(r.Seen),
        ["held_out_pairs"] = Scores(r.HeldOut),
        ["held_out_by_pair"] = new JsonObject(r.Samples.Where(s => s.Prompt.HeldOut)
            .GroupBy(s => $"{s.Prompt.Spec.Color} {s.Prompt.Spec.Shape}".ToLowerInvariant())
            .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)Scores(AttributeScores.Of(g.Select(s => (s.Prompt.Spec, s.Verdict)).ToList()))))),
        ["samples"] = new JsonArray(r.Samples.Select(Sample).ToArray<JsonNode?>()),
    };

    static JsonObject Sample(EvalSample s) => new()
    {
        ["prompt"] = s.Prompt.Text,
        ["seed"] = s.Seed,
        ["held_out"] = s.Prompt.HeldOut,
        ["expected"] = $"{s.Prompt.Spec.Size} {s.Prompt.Spec.Color} {s.Prompt.Spec.Shape} {s.Prompt.Spec.Position} on {s.Prompt.Spec.Background}".ToLowerInvariant(),
        ["judged"] = s.Verdict.Found
            ? $"{s.Verdict.Size} {s.Verdict.Color} {s.Verdict.Shape} {s.Verdict.Position} on {s.Verdict.Background}".ToLowerInvariant()
            : $"nothing on {s.Verdict.Background}".ToLowerInvariant(),
        ["all_correct"] = s.Verdict.Matches(s.Prompt.Spec),
    };

    static JsonObject Scores(AttributeScores s) => new()
    {
        ["images"] = s.Images,
        ["shape"] = Round(s.Shape),
        ["color"] = Round(s.Color),
        ["background"] = Round(s.Background),
        ["position"] = Round(s.Position),
        ["size"] = Round(s.Size),
        ["all_five"] = Round(s.AllFive),
    };

    static double Round(double x) => Math.Round(x, 4);

    /// <summary>One row per guidance scale: adherence on seen pairs, held-out colour/shape, diversity.</summary>
    /// <summary>The columns of the adherence table (every column but the first is a number).</summary>
    public static IReadOnlyList<string> TableColumns { get; } =
        ["guidance", "shape", "colour", "background", "position", "size", "all five", "held-out colour", "held-out shape", "diversity"];

    /// <summary>One row of cells per guidance scale: adherence per attribute and diversity.</summary>
    public IEnumerable<string[]> TableRows() => Scales.Select(r => new[]
    {
        r.GuidanceScale.ToString("0.##", CultureInfo.InvariantCulture), P(r.Seen.Shape), P(r.Seen.Color), P(r.Seen.Background),
        P(r.Seen.Position), P(r.Seen.Size), P(r.Seen.AllFive), P(r.HeldOut.Color), P(r.HeldOut.Shape),
        r.Diversity.ToString("0.000", CultureInfo.InvariantCulture),
    });

    public string ToMarkdownTable()
    {
        var text = new StringBuilder();
        text.AppendLine($"| {string.Join(" | ", TableColumns)} |");
        text.AppendLine($"|{string.Join("|", TableColumns.Select(_ => "---:"))}|");
        foreach (var row in TableRows()) text.AppendLine($"| {string.Join(" | ", row)} |");
        return text.ToString();
    }

    static string P(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
