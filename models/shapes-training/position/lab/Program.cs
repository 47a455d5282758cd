// Position lab: scratch tools for issue 12 (data variants, training from a spec, attention maps, probes).
using System.Globalization;
using System.Text;
using System.Text.Json;
using LatentSharp;
using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Shapes;
using LatentSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
// The settings every `sd` command gets (threads, OpenMP waiting, NNPACK off: without it each probe prints thousands of
// "Could not initialize NNPACK" lines on this VM's processor).
LatentSharp.Performance.TorchRuntime.Configure(Environment.GetEnvironmentVariable("LAB_THREADS") is { } t ? int.Parse(t) : null);
switch (args[0])
{
    case "data-position": DataVariants.PositionOnly(args[1], int.Parse(args[2])); break;
    case "data-always-position": DataVariants.AlwaysPosition(args[1], args[2]); break;
    case "data-one-axis": DataVariants.OneAxis(args[1], args[2]); break;
    case "train": Train.Run(args[1], args.Length > 2 ? args[2] : null, args.Length > 3 ? args[3] : null); break;
    case "adherence": Train.Adherence(args[1]); break;
    case "attn": AttentionMaps.Run(args[1], args[2]); break;
    case "seedlock": Probes.SeedLock(args[1], int.Parse(args[2])); break;
    case "posacc": { using var pl = StableDiffusionPipeline.Load(args[1]); Console.WriteLine(JsonSerializer.Serialize(PositionProbe.Score(pl, int.Parse(args[2])))); break; }
    case "ctxdiff": ContextDistance.Run(args[1]); break;
    case "ctxphrase": PhrasingDistance.Run(args[1]); break;
    case "ctxmap":
    {
        // The 9 × 9 context distances of the canonical position captions, as `sd train position-words` draws them.
        using var model = StableDiffusionModel.Load(args[1]);
        var tokenizer = LatentSharp.Text.ClipTokenizer.FromFolder(model.RequireTokenizerPath());
        Console.WriteLine(ContextDistances.Measure(model.TextEncoder, tokenizer));
        new Heatmap { Title = args.Length > 3 ? args[3] : $"context distance between position captions: {args[1]}", Labels = ShapesVocabulary.Positions.Select(ShapesVocabulary.Slug).ToList(),
            Values = ContextDistances.PositionMatrix(model.TextEncoder, tokenizer) }.Save(args[2]);
        break;
    }
    case "te-contrast": TextContrast.Run(args[1], args[2], int.Parse(args[3]), args.Length > 4 ? double.Parse(args[4]) : null, args.Length > 5 ? double.Parse(args[5]) : 0.1, args.Length > 6 ? args[6] : "any"); break;
    case "colors": ColorRoundTrip.Run(args[1]); break;
    case "shape-colors": ColorRoundTrip.Shapes(args[1], args.Length > 2 ? Enum.Parse<ShapeColor>(args[2], ignoreCase: true) : ShapeColor.Pink); break;
    case "leakgen": Probes.LeakGen(args[1], int.Parse(args[2])); break;
    case "x0": CleanPrediction.Run(args[1], int.Parse(args[2])); break;
    case "trajectory": Trajectory.Run(args[1], args[2], args[3].Split(",").Select(long.Parse).ToArray()); break;
    case "leak": Probes.Leak(args[1], args[2]); break;
    default: throw new ArgumentException(args[0]);
}

static class DataVariants
{
    /// One shape, colour, size and background; only the cell (and the jitter) varies; captions as usual.
    public static void PositionOnly(string output, int count)
    {
        Directory.CreateDirectory(output);
        var meta = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            var random = DeterministicRandom.ForItem(99, (ulong)i);
            var spec = new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, random.Pick(ShapesVocabulary.Positions));
            double side = random.Uniform(ShapesDataset.LargeMin, ShapesDataset.LargeMax);
            var geometry = ShapesDataset.PlaceInCell(spec.Position, Math.Round(side * 4) / 4, random.Uniform(-3, 3), random.Uniform(-3, 3));
            string caption = ShapesCaptions.Compose(spec, random);
            var image = ShapesDataset.Render(spec, geometry);
            string file = $"{i:D5}.png";
            PngWriter.Write(Path.Combine(output, file), image);
            meta.Append(JsonSerializer.Serialize(new Dictionary<string, string> { ["file_name"] = file, ["text"] = caption, ["position"] = ShapesVocabulary.Slug(spec.Position) })).Append('\n');
        }
        File.WriteAllText(Path.Combine(output, "metadata.jsonl"), meta.ToString());
    }

    /// Same images (symlinked); a caption that leaves the position out is replaced by the canonical caption.
    public static void AlwaysPosition(string source, string output)
    {
        int replaced = 0;
        RewriteCaptions(source, output, (node, _) =>
        {
            if (NamesPosition(node["text"]!.GetValue<string>())) return null;
            replaced++;
            return new ShapeSpec(ShapesVocabulary.ParseShape(node["shape"]!.GetValue<string>()), ShapesVocabulary.ParseColor(node["color"]!.GetValue<string>()),
                ShapesVocabulary.ParseColor(node["background"]!.GetValue<string>()), ShapesVocabulary.ParseSize(node["size"]!.GetValue<string>()),
                ShapesVocabulary.ParsePosition(node["position"]!.GetValue<string>())).CanonicalCaption;
        });
        Console.WriteLine($"{replaced} captions without a position replaced by the canonical caption");
    }

    /// Same images (symlinked); a third keep their caption, a third name only the row ("in the top row"), a third only
    /// the column ("in the left column"): each position word alone must then move the shape.
    public static void OneAxis(string source, string output) =>
        RewriteCaptions(source, output, (node, index) =>
        {
            var (column, row) = ShapesVocabulary.Cell(ShapesVocabulary.ParsePosition(node["position"]!.GetValue<string>()));
            double draw = DeterministicRandom.ForItem(7, (ulong)index).Uniform(0, 3);
            if (draw < 1) return null;
            return draw < 2
                ? $"a large red circle in the {new[] { "top", "middle", "bottom" }[row]} row on a blue background"
                : $"a large red circle in the {new[] { "left", "middle", "right" }[column]} column on a blue background";
        });

    /// A data set of <paramref name="source"/>'s images (symlinked) whose metadata lines get the caption
    /// <paramref name="caption"/> returns for (line, index), or keep theirs where it returns null.
    static void RewriteCaptions(string source, string output, Func<System.Text.Json.Nodes.JsonObject, long, string?> caption)
    {
        Directory.CreateDirectory(output);
        var lines = new StringBuilder();
        long index = 0;
        foreach (var line in File.ReadLines(Path.Combine(source, "metadata.jsonl")))
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            if (caption(node, index++) is { } text) node["text"] = text;
            string file = node["file_name"]!.GetValue<string>();
            string link = Path.Combine(output, file);
            if (!File.Exists(link)) File.CreateSymbolicLink(link, Path.Combine(source, file));
            lines.Append(node.ToJsonString()).Append('\n');
        }
        File.WriteAllText(Path.Combine(output, "metadata.jsonl"), lines.ToString());
    }

    static bool NamesPosition(string text) =>
        new[] { "top", "bottom", "left", "right", "center", "centered", "middle" }.Any(w => text.Split(' ', ',').Contains(w));
}

static class Train
{
    /// Creates RUN from SPEC (DiffusionTrainingOptions as JSON), or resumes it; LATENTS_FROM copies the latent cache and tokenizer of a run on the same data.
    public static void Run(string run, string? specPath, string? latentsFrom)
    {
        Action<string> report = m => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {m}");
        DiffusionTrainer trainer;
        if (File.Exists(Path.Combine(run, "run.json"))) trainer = DiffusionTrainer.Resume(run, report);
        else
        {
            var spec = JsonSerializer.Deserialize<DiffusionTrainingOptions>(File.ReadAllText(specPath!), ConfigJson.Options)!;
            if (latentsFrom != null)
            {
                Directory.CreateDirectory(run);
                File.Copy(Path.Combine(latentsFrom, "latents.safetensors"), Path.Combine(run, "latents.safetensors"));
                CopyDir(Path.Combine(latentsFrom, "tokenizer"), Path.Combine(run, "tokenizer"));
                new TrainingRunFolder(run).Update(spec, DiffusionTrainer.Kind);
                trainer = DiffusionTrainer.Resume(run, report);
            }
            else trainer = DiffusionTrainer.Create(run, spec, report);
        }
        using (trainer)
        {
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            int probeEvery = int.Parse(Environment.GetEnvironmentVariable("LAB_POSITION_PROBE") ?? "0");
            var slowText = TextEncoderRate.From(trainer, Environment.GetEnvironmentVariable("LAB_TE_LR_SCALE"), report);
            var outcome = trainer.Train(p =>
            {
                slowText?.AfterStep();
                if (p.Step % 50 == 0) report($"step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} {p.ExamplesPerSecond:F1} samples/s");
                if (probeEvery > 0 && (p.Step % probeEvery == 0 || p.Step == p.TotalSteps)) PositionProbe.DuringTraining(trainer, run, p.Step);
            }, stop.Token);
            report($"{outcome} at step {trainer.State.Step}, {trainer.State.TrainingSeconds:F0} s of training");
            if (outcome == TrainingOutcome.Completed && !Directory.Exists(Path.Combine(run, "model"))) trainer.Export(Path.Combine(run, "model"));
        }
    }

    public static void Adherence(string run)
    {
        using var trainer = DiffusionTrainer.Resume(run);
        var e = trainer.EvaluateAdherence();
        Console.WriteLine(JsonSerializer.Serialize(e, ConfigJson.Options));
    }

    static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }
}

static class PositionProbe
{
    /// The position-only data's prompt ("a large red circle ... on a blue background") for all nine cells over several seeds.
    public static Dictionary<string, double> Score(StableDiffusionPipeline pipeline, int seeds)
    {
        int correct = 0, total = 0, modal = 0, found = 0, row = 0, column = 0;
        var confusion = new int[9, 9]; // prompted cell × drawn cell
        for (int seed = 1; seed <= seeds; seed++)
        {
            var cells = new List<GridPosition>();
            foreach (var position in ShapesVocabulary.Positions)
            {
                var spec = new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, position);
                using var result = pipeline.Generate(new GenerationRequest { Prompt = spec.CanonicalCaption, Steps = 25, GuidanceScale = 5, Seed = seed * 1000, Scheduler = "dpmpp_2m" });
                var v = ShapesJudge.Judge(result.Images[0]);
                total++;
                if (!v.Found) continue;
                found++;
                cells.Add(v.Position);
                if (v.Position == position) correct++;
                var (want, got) = (ShapesVocabulary.Cell(position), ShapesVocabulary.Cell(v.Position));
                if (want.Row == got.Row) row++;
                if (want.Column == got.Column) column++;
                confusion[(int)position, (int)v.Position]++;
            }
            modal += cells.GroupBy(c => c).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        }
        if (Environment.GetEnvironmentVariable("LAB_CONFUSION") == "1")
            for (int i = 0; i < 9; i++)
                Console.Error.WriteLine($"{(GridPosition)i,-12} -> " + string.Join(" ", Enumerable.Range(0, 9).Select(j => confusion[i, j].ToString().PadLeft(2))));
        return new() { ["position"] = correct / (double)total, ["row"] = row / (double)total, ["column"] = column / (double)total,
            ["seed_modal_cell"] = modal / (double)total, ["found"] = found / (double)total };
    }

    public static void DuringTraining(DiffusionTrainer trainer, string run, long step)
    {
        var copy = typeof(Trainer).GetMethod("CopyWeightsForInference", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var weights = typeof(DiffusionTrainer).GetField("inferenceWeights", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(trainer);
        copy.Invoke(trainer, [weights]);
        using var _ = no_grad();
        var pipeline = new StableDiffusionPipeline(trainer.Model, LatentSharp.Text.ClipTokenizer.FromFolder(Path.Combine(run, "tokenizer")));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var scores = Score(pipeline, 4);
        scores["step"] = step;
        scores["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        File.AppendAllText(Path.Combine(run, "position.jsonl"), JsonSerializer.Serialize(scores) + "\n");
        Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] position probe: {JsonSerializer.Serialize(scores)}");
    }
}

/// How far apart the text encoder's outputs, and the U-Net's cross-attention keys and values of them, are for
/// prompts that differ only in the row word against prompts that differ only in the column word.
static class ContextDistance
{
    public static void Run(string model)
    {
        using var pipeline = StableDiffusionPipeline.Load(model);
        using var _ = no_grad();
        var contexts = ShapesVocabulary.Positions.ToDictionary(p => p, p =>
        {
            var spec = new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, p);
            var ids = pipeline.Tokenizer.EncodeForModel(spec.CanonicalCaption).InputIds.Select(i => (long)i).ToArray();
            using var output = pipeline.Model.TextEncoder.forward(tensor(ids).unsqueeze(0));
            return output.LastHiddenState[0].clone();
        });
        var projections = pipeline.Model.Unet.named_parameters().Where(p => p.name.Contains("attn2.to_k") || p.name.Contains("attn2.to_v")).ToList();
        var rows = new List<(string, string)>();
        foreach (var (label, rowWord) in new[] { ("row only", true), ("column only", false) })
        {
            var pairs = Pairs(rowWord).ToList();
            double Mean(Func<Tensor, Tensor> f) => pairs.Average(pair => (f(contexts[pair.a]) - f(contexts[pair.b])).norm().item<float>());
            var line = new List<string> { $"context {Mean(x => x):F3}" };
            foreach (var (name, w) in projections) line.Add($"{name.Replace("attentions.", "").Replace("transformer_blocks.0.", "")} {Mean(x => x.matmul(w.t())):F3}");
            Console.WriteLine($"{label} ({pairs.Count} pairs): " + string.Join(", ", line));
        }
    }

    /// The pairs of cells that differ only in the row (<paramref name="rowWord"/>) or only in the column, each once.
    public static IEnumerable<(GridPosition a, GridPosition b)> Pairs(bool rowWord) => ContextDistances.AxisPairs(rowWord);
}

/// The text encoder learning more slowly than the U-Net (LAB_TE_LR_SCALE s): 0 freezes it at its initial weights;
/// 0 < s < 1 scales each step's change of its weights by s after the optimizer step, which under AdamW is the same
/// as a learning rate s times the U-Net's (the EMA sees the unscaled weights for one step: a lab approximation).
sealed class TextEncoderRate(IReadOnlyList<TorchSharp.Modules.Parameter> weights, double scale)
{
    readonly List<Tensor> before = weights.Select(w => w.detach().clone()).ToList();

    public static TextEncoderRate? From(DiffusionTrainer trainer, string? setting, Action<string> report)
    {
        if (setting is null) return null;
        double scale = double.Parse(setting);
        var parts = (DiffusionComponents)typeof(DiffusionTrainer).GetField("parts", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(trainer)!;
        var weights = parts.TextEncoder.parameters().ToList();
        report($"text encoder learning rate x{scale}" + (scale == 0 ? " (frozen)" : ""));
        if (scale == 0) { foreach (var w in weights) w.requires_grad = false; return null; }
        return new TextEncoderRate(weights, scale);
    }

    public void AfterStep()
    {
        using var _ = no_grad();
        for (int i = 0; i < weights.Count; i++)
        {
            weights[i].sub_(before[i]).mul_(scale).add_(before[i]);
            before[i].copy_(weights[i]);
        }
    }
}
