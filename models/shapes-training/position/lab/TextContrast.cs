// Issue 12's next lead: a text encoder that keeps the position words apart on purpose, trained before the U-Net uses it.
using LatentSharp.Pipelines;
using LatentSharp.Shapes;
using LatentSharp.Text;
using LatentSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Fine-tunes a model's CLIP text encoder so that captions differing only in the position phrase give contexts at least
/// MARGIN apart (a squared hinge on the L2 distance of the whole [77, D] context), while every caption's context stays
/// near the original encoder's (distillation: squared distance to the frozen original, in units of MARGIN²).
/// MARGIN defaults to the original encoder's mean distance between captions that differ only in the colour word — the
/// lab runs showed the U-Net follows words the encoder keeps that far apart (README, "row and column").
/// PAIRS "any" (default) pairs a caption with one of the eight other cells; "axis" only with a cell in the same column
/// (the row word differs) or the same row (the column word differs), half each, so neither axis can meet the margin
/// through the other.
///   lab te-contrast MODEL OUT STEPS [MARGIN] [DISTILL_WEIGHT] [PAIRS]     writes OUT: MODEL with the new text encoder (float16)
/// </summary>
static class TextContrast
{
    const int Batch = 32;

    public static void Run(string model, string output, int steps, double? margin, double distillWeight, string pairs = "any")
    {
        if (Directory.Exists(output)) throw new ArgumentException($"{output} exists");
        using var pipeline = StableDiffusionPipeline.Load(model);
        using var teacherPipeline = StableDiffusionPipeline.Load(model);
        var student = pipeline.Model.TextEncoder;
        var teacher = teacherPipeline.Model.TextEncoder;
        var tokenizer = pipeline.Tokenizer;
        Tensor Ids(IEnumerable<string> captions) =>
            stack(captions.Select(c => tensor(tokenizer.EncodeForModel(c).InputIds.Select(i => (long)i).ToArray())).ToArray());

        var before = Distances(teacher, tokenizer);
        Console.WriteLine($"original encoder: {Format(before)}");
        double m = margin ?? before["colour"];
        Console.WriteLine($"margin {m:F2}, distillation weight {distillWeight}");

        foreach (var p in student.parameters()) p.requires_grad = true;
        foreach (var p in teacher.parameters()) p.requires_grad = false;
        var optimizer = optim.AdamW(student.parameters(), lr: 1e-4, weight_decay: 0);
        var random = new Random(1);
        var seen = ShapesVocabulary.Shapes.SelectMany(s => ShapesVocabulary.Colors.Select(c => (s, c))).Where(p => !ShapesVocabulary.IsHeldOut(p.s, p.c)).ToList();
        for (int step = 1; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            var (a, b) = (new List<string>(), new List<string>());
            for (int i = 0; i < Batch; i++)
            {
                var (shape, colour) = seen[random.Next(seen.Count)];
                var background = ShapesVocabulary.Colors.Where(c => c != colour).ElementAt(random.Next(ShapesVocabulary.Colors.Count - 1));
                var position = (GridPosition)random.Next(9);
                var other = pairs == "axis" ? OnOneAxis(position, random) : (GridPosition)(((int)position + 1 + random.Next(8)) % 9);
                var spec = new ShapeSpec(shape, colour, background, (ShapeSize)random.Next(2), position);
                int template = random.Next(ShapesCaptions.ParaphraseCount);
                a.Add(ShapesCaptions.Paraphrase(spec, template));
                b.Add(ShapesCaptions.Paraphrase(spec with { Position = other }, template));
            }
            a.Add(""); // the unconditional context the U-Net was trained on stays too
            var ids = cat([Ids(a), Ids(b)]);
            var s = student.forward(ids).LastHiddenState;
            Tensor t;
            using (no_grad()) t = teacher.forward(ids).LastHiddenState;
            var distill = (s - t).pow(2).sum([1, 2]).mean() / (m * m);
            var sa = s.narrow(0, 0, Batch);
            var sb = s.narrow(0, Batch + 1, Batch);
            var distance = (sa - sb).pow(2).sum([1, 2]).add(1e-8).sqrt();
            var hinge = (m - distance).clamp_min(0).pow(2).mean() / (m * m);
            var loss = hinge + distillWeight * distill;
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            if (step % 50 == 0 || step == 1)
                Console.WriteLine($"step {step}: hinge {hinge.item<float>():F4} distill {distill.item<float>():F4} mean position distance {distance.mean().item<float>():F2}");
        }
        foreach (var p in student.parameters()) p.requires_grad = false;
        Console.WriteLine($"trained encoder:  {Format(Distances(student, tokenizer))}");
        pipeline.Model.Save(output, ScalarType.Float16); // the tokenizer comes along
        Console.WriteLine($"wrote {output}");
    }

    /// A cell that differs from <paramref name="position"/> in the row only or in the column only (half each).
    static GridPosition OnOneAxis(GridPosition position, Random random)
    {
        var (column, row) = ShapesVocabulary.Cell(position);
        int shift = 1 + random.Next(2);
        return random.Next(2) == 0 ? ShapesVocabulary.FromCell(column, (row + shift) % 3) : ShapesVocabulary.FromCell((column + shift) % 3, row);
    }

    /// Mean context distance of canonical captions that differ only in the row word, the column word, the colour, the shape
    /// or the background colour: the library's measure (the one `sd train position-words` reports).
    static Dictionary<string, double> Distances(ClipTextModel encoder, ClipTokenizer tokenizer)
    {
        var d = ContextDistances.Measure(encoder, tokenizer);
        return new() { ["row"] = d.Row, ["column"] = d.Column, ["colour"] = d.Color, ["shape"] = d.Shape, ["background"] = d.Background };
    }

    static string Format(Dictionary<string, double> d) => string.Join(", ", d.Select(kv => $"{kv.Key} {kv.Value:F2}"));
}
