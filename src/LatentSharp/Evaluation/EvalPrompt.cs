using LatentSharp.Shapes;

namespace LatentSharp.Evaluation;

/// <summary>One evaluation prompt and the attributes an image made from it should have.</summary>
public sealed record EvalPrompt(string Text, ShapeSpec Spec, bool Canonical)
{
    public bool HeldOut => Spec.IsHeldOut;
}
