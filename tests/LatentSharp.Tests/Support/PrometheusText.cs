using System.Globalization;

namespace LatentSharp.Tests.Support;

/// <summary>Reads values out of Prometheus' text exposition format, as a scraper would.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    /// <summary>
    /// The value of the sample named <paramref name="name"/> whose labels include every given <c>key="value"</c>
    /// pair; fails when there is none or more than one.
    /// </summary>
    public double Value(string name, params string[] labels)
    {
        var matches = Samples()
            .Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l)))
            .ToList();
        Assert.True(matches.Count == 1, $"expected one sample {name}{{{string.Join(",", labels)}}}, found {matches.Count}:\n{Text}");
        return matches[0].Value;
    }

    IEnumerable<(string Name, string[] Labels, double Value)> Samples()
    {
        foreach (var raw in Text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int brace = line.IndexOf('{');
            int space = line.LastIndexOf(' ');
            string name = brace >= 0 && brace < space ? line[..brace] : line[..space];
            string[] labels = brace >= 0 && brace < space
                ? line[(brace + 1)..line.LastIndexOf('}')].Split(',', StringSplitOptions.RemoveEmptyEntries)
                : [];
            yield return (name, labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }
    }
}
