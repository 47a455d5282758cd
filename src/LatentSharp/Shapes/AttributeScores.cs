namespace LatentSharp.Shapes;

/// <summary>Share of images whose judged attribute matches the prompt, per attribute (0–1).</summary>
public sealed record AttributeScores(int Images, double Shape, double Color, double Background, double Position, double Size, double AllFive)
{
    public static AttributeScores Of(IReadOnlyCollection<(ShapeSpec Spec, ShapesVerdict Verdict)> judged)
    {
        if (judged.Count == 0) return new AttributeScores(0, 0, 0, 0, 0, 0, 0);
        double Share(Func<ShapeSpec, ShapesVerdict, bool> ok) => judged.Count(j => ok(j.Spec, j.Verdict)) / (double)judged.Count;
        return new AttributeScores(judged.Count,
            Share((s, v) => v.Found && v.Shape == s.Shape),
            Share((s, v) => v.Found && v.Color == s.Color),
            Share((s, v) => v.Background == s.Background),
            Share((s, v) => v.Found && v.Position == s.Position),
            Share((s, v) => v.Found && v.Size == s.Size),
            Share((s, v) => v.Matches(s)));
    }
}
