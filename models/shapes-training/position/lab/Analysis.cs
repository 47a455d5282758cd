using System.Text.Json;
using LatentSharp;
using LatentSharp.Imaging;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using LatentSharp.Shapes;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

static class AttentionMaps
{
    static readonly string[] PositionWords = ["top", "bottom", "left", "right", "center"];

    public static void Run(string modelPath, string output)
    {
        using var pipeline = StableDiffusionPipeline.Load(modelPath);
        var unet = pipeline.Model.Unet;
        // Accumulated cross-attention probabilities of the conditional pass, per query resolution: side -> [N, 77].
        var sums = new Dictionary<int, Tensor>();
        var counts = new Dictionary<int, int>();
        foreach (var (name, module) in unet.named_modules())
        {
            if (!name.EndsWith("attn2") || module is not Attention attention) continue;
            attention.ProbabilitiesObserver = p =>
            {
                int side = (int)Math.Round(Math.Sqrt(p.shape[2]));
                using var cond = p[p.shape[0] - 1].mean([0]); // last item = conditional half (batch 1), mean over heads
                if (sums.TryGetValue(side, out var s)) { sums[side] = (s + cond).DetachFromDisposeScope(); s.Dispose(); counts[side]++; }
                else { sums[side] = cond.clone().DetachFromDisposeScope(); counts[side] = 1; }
            };
        }
        var tok = pipeline.Tokenizer;
        var cells = new List<RgbImage>();
        var captions = new List<string>();
        var headers = new List<string>();
        var summary = new List<object>();
        foreach (var position in ShapesVocabulary.Positions)
        {
            var spec = new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, position);
            string prompt = spec.CanonicalCaption;
            foreach (var s in sums.Values) s.Dispose();
            sums.Clear(); counts.Clear();
            using var result = pipeline.Generate(new GenerationRequest { Prompt = prompt, Steps = 25, GuidanceScale = 5, Seed = 1, Scheduler = "dpmpp_2m" });
            var ids = tok.EncodeForModel(prompt).InputIds.ToArray();
            int[] TokenIndices(IEnumerable<string> words)
            {
                var wanted = words.Where(w => prompt.Split(' ').Contains(w)).SelectMany(w => tok.Encode(w)).Where(id => id != tok.BosTokenId && id != tok.EosTokenId && id != tok.PadTokenId).ToHashSet();
                return Enumerable.Range(0, ids.Length).Where(i => wanted.Contains((int)ids[i])).ToArray();
            }
            var positionTokens = TokenIndices(PositionWords);
            var shapeTokens = TokenIndices(["circle"]);
            var verdict = ShapesJudge.Judge(result.Images[0]);
            cells.Add(Resampling.ScaleNearest(result.Images[0], 2));
            captions.Add(verdict.Found ? $"judged {ShapesVocabulary.Slug(verdict.Position)}" : "nothing");
            headers.Add(ShapesVocabulary.PositionPhrase(position));
            var row = new Dictionary<string, object> { ["prompt"] = prompt, ["judged"] = verdict.Found ? ShapesVocabulary.Slug(verdict.Position) : "none" };
            foreach (int side in new[] { 8, 4 })
            {
                if (!sums.ContainsKey(side)) continue;
                using var mean = sums[side] / counts[side]; // [N, 77]
                foreach (var (label, tokens) in new[] { ("position words", positionTokens), ("'circle'", shapeTokens) })
                {
                    using var map = mean.index_select(1, tensor(tokens.Select(i => (long)i).ToArray())).sum(1).view(side, side);
                    double mass = map.mean().item<float>();
                    double cellShare = CellShare(map, position);
                    cells.Add(Heat(map, 128));
                    captions.Add($"{side}x{side} {label}: mass {mass:F3}, in cell {cellShare:P0}");
                    row[$"{side}x{side} {label} mass"] = Math.Round(mass, 4);
                    row[$"{side}x{side} {label} share in prompted cell"] = Math.Round(cellShare, 3);
                }
            }
            summary.Add(row);
        }
        int columns = cells.Count / ShapesVocabulary.Positions.Count;
        var grid = ImageGrid.Compose(cells, columns, new GridLabels { RowHeaders = headers, Captions = captions,
            ColumnHeaders = ["image (seed 1)", "8x8: position words", "8x8: 'circle'", "4x4: position words", "4x4: 'circle'"] },
            new GridStyle { MaxRowHeaderWidth = 160, CaptionLines = 3, HeaderLines = 1 });
        PngWriter.Write(output, grid);
        File.WriteAllText(Path.ChangeExtension(output, ".json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// Share of the map's mass in the pixels whose centre lies in the prompted 3x3 cell (uniform: about 1/9).
    static double CellShare(Tensor map, GridPosition position)
    {
        var (column, row) = ShapesVocabulary.Cell(position);
        int side = (int)map.shape[0];
        var values = map.data<float>().ToArray();
        double inside = 0, total = 0;
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                double v = values[y * side + x];
                total += v;
                if ((int)((x + 0.5) * 3 / side) == column && (int)((y + 0.5) * 3 / side) == row) inside += v;
            }
        return inside / total;
    }

    /// The map scaled to its own maximum, as a black-red-yellow-white heat image.
    static RgbImage Heat(Tensor map, int size)
    {
        int side = (int)map.shape[0];
        var values = map.data<float>().ToArray();
        float max = values.Max();
        var image = new RgbImage(size, size);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double v = values[(y * side / size) * side + x * side / size] / max;
                image[x, y] = new Rgb((byte)(255 * Math.Clamp(3 * v, 0, 1)), (byte)(255 * Math.Clamp(3 * v - 1, 0, 1)), (byte)(255 * Math.Clamp(3 * v - 2, 0, 1)));
            }
        return image;
    }
}

static class Probes
{
    /// Nine prompts that differ only in the position phrase, over several seeds: does the cell follow the words or the seed?
    public static void SeedLock(string modelPath, int seeds)
    {
        using var pipeline = StableDiffusionPipeline.Load(modelPath);
        int correct = 0, total = 0, modal = 0;
        var perSeed = new List<string>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var judged = new List<GridPosition?>();
            foreach (var position in ShapesVocabulary.Positions)
            {
                var spec = new ShapeSpec(ShapeKind.Square, ShapeColor.Yellow, ShapeColor.Black, ShapeSize.Large, position);
                using var result = pipeline.Generate(new GenerationRequest { Prompt = spec.CanonicalCaption, Steps = 25, GuidanceScale = 5, Seed = seed * 1000, Scheduler = "dpmpp_2m" });
                var v = ShapesJudge.Judge(result.Images[0]);
                judged.Add(v.Found ? v.Position : null);
                if (v.Found && v.Position == position) correct++;
                total++;
            }
            int most = judged.Where(j => j != null).GroupBy(j => j).Select(g => g.Count()).DefaultIfEmpty(0).Max();
            modal += most;
            perSeed.Add($"seed {seed * 1000}: " + string.Join(" ", judged.Select(j => j is { } p ? ShapesVocabulary.Slug(p) : "-")));
        }
        foreach (var line in perSeed) Console.WriteLine(line);
        Console.WriteLine($"position follows the words: {correct}/{total} = {correct / (double)total:P1}; " +
                          $"images in their seed's most common cell: {modal}/{total} = {modal / (double)total:P1}");
    }

    /// How often the cell of the shape can be read off the noisy latent z_t by a simple detector (the 3x3 cell whose
    /// mean latent, after removing the image's mean, has the most energy), for the model's schedule and its zero-SNR rescaling.
    public static void Leak(string modelPath, string output)
    {
        using var pipeline = StableDiffusionPipeline.Load(modelPath);
        var vae = pipeline.Model.Vae;
        double scaling = vae.Config.ScalingFactor;
        var data = new ShapesDataset(1);
        const int count = 1000;
        var samples = data.Take(count).ToList();
        Tensor latents;
        using (no_grad())
        {
            var chunks = new List<Tensor>();
            for (int i = 0; i < count; i += 100)
            {
                using var pixels = ImageTensors.ToModelSpace(samples.Skip(i).Take(100).Select(s => s.Image).ToList());
                using var posterior = vae.Encode(pixels);
                chunks.Add(posterior.Mean * scaling);
            }
            latents = cat(chunks, 0);
        }
        var truth = samples.Select(s => (long)s.Spec.Position).ToArray();
        var large = samples.Select(s => s.Spec.Size == ShapeSize.Large).ToArray();
        var lines = new List<string> { "timestep,sqrt_alphabar,accuracy_all,accuracy_large,zero_snr_sqrt_alphabar,zero_snr_accuracy_all,zero_snr_accuracy_large" };
        var baseConfig = SchedulerConfig.FromJson(pipeline.Model.SchedulerConfigJson);
        using var plain = new NoiseSchedule(baseConfig);
        using var zero = new NoiseSchedule(baseConfig with { RescaleBetasZeroSnr = true }, rescaleZeroSnr: true);
        var generator = new Generator(0);
        foreach (int t in new[] { 999, 990, 975, 950, 900, 850, 800, 700, 500, 0 })
        {
            var row = new List<string> { t.ToString() };
            foreach (var schedule in new[] { plain, zero })
            {
                float a = schedule.AlphaCumprod(t);
                using var noise = randn(latents.shape, generator: generator);
                using var noisy = latents * MathF.Sqrt(a) + noise * MathF.Sqrt(1 - a);
                var predicted = Detect(noisy);
                double all = predicted.Zip(truth).Count(p => p.First == p.Second) / (double)count;
                double big = Enumerable.Range(0, count).Where(i => large[i]).Count(i => predicted[i] == truth[i]) / (double)large.Count(l => l);
                row.Add($"{MathF.Sqrt(a):F4}"); row.Add($"{all:F3}"); row.Add($"{big:F3}");
            }
            lines.Add(string.Join(",", row));
            Console.WriteLine(lines[^1]);
        }
        File.WriteAllLines(output, lines);
    }

    /// The cell (0-8) whose area-average of the latent, minus the latent's own mean, has the largest energy.
    static long[] Detect(Tensor z)
    {
        using var scope = NewDisposeScope();
        var centred = z - z.mean([2, 3], keepdim: true);
        int side = (int)z.shape[2];
        var cells = new List<Tensor>();
        for (int row = 0; row < 3; row++)
            for (int column = 0; column < 3; column++)
            {
                int y0 = row * side / 3, y1 = (row + 1) * side / 3, x0 = column * side / 3, x1 = (column + 1) * side / 3;
                cells.Add(centred[.., .., y0..y1, x0..x1].mean([2, 3]).square().sum(1));
            }
        return stack(cells, 1).argmax(1).data<long>().ToArray();
    }

    /// Sampling from z_T = sqrt(abar_T) z0 + sqrt(1 - abar_T) eps, where z0 is a shape in one cell and the prompt names another:
    /// does the model follow the faint shape in its starting latent (as it saw in training) or the words?
    public static void LeakGen(string modelPath, int seeds)
    {
        using var pipeline = StableDiffusionPipeline.Load(modelPath);
        var vae = pipeline.Model.Vae;
        var config = SchedulerConfig.FromJson(pipeline.Model.SchedulerConfigJson);
        using var schedule = new NoiseSchedule(config, rescaleZeroSnr: config.RescaleBetasZeroSnr == true);
        float a = schedule.AlphaCumprod(schedule.NumTrainTimesteps - 1);
        int followsLatent = 0, followsWords = 0, total = 0;
        foreach (var hidden in ShapesVocabulary.Positions)
        {
            var prompted = (GridPosition)(8 - (int)hidden); // the point-mirrored cell; the centre asks for itself, so skip it
            if (prompted == hidden) continue;
            var spec = new ShapeSpec(ShapeKind.Square, ShapeColor.Yellow, ShapeColor.Black, ShapeSize.Large, hidden);
            Tensor z0;
            using (no_grad())
            using (var pixels = ImageTensors.ToModelSpace(ShapesDataset.Render(spec)))
            using (var posterior = vae.Encode(pixels))
                z0 = posterior.Mean * vae.Config.ScalingFactor;
            string prompt = (spec with { Position = prompted }).CanonicalCaption;
            for (int seed = 1; seed <= seeds; seed++)
            {
                using var noise = randn(z0.shape, generator: new Generator((ulong)(seed * 7919)));
                using var start = z0 * MathF.Sqrt(a) + noise * MathF.Sqrt(1 - a);
                using var result = pipeline.Generate(new GenerationRequest { Prompt = prompt, Steps = 25, GuidanceScale = 5, Scheduler = "dpmpp_2m", InitialLatents = start });
                var v = ShapesJudge.Judge(result.Images[0]);
                total++;
                if (v.Found && v.Position == hidden) followsLatent++;
                if (v.Found && v.Position == prompted) followsWords++;
            }
        }
        Console.WriteLine($"sqrt(abar_T) = {MathF.Sqrt(a):F4}; shape in the starting latent's cell: {followsLatent}/{total} = {followsLatent / (double)total:P1}; " +
                          $"in the prompted cell: {followsWords}/{total} = {followsWords / (double)total:P1}");
    }
}

static class CleanPrediction
{
    /// The model's one-step estimate of the clean image at timestep t, ẑ₀(z_t, prompt), decoded and judged, where z_t
    /// hides a shape in one cell (faintly, as training does at that t) and the prompt names the point-mirrored cell:
    /// at which noise levels does the estimate follow the words, and at which the latent? Conditional pass, no guidance.
    /// LAB_SIZE=small probes small circles instead of large ones.
    public static void Run(string modelPath, int seeds)
    {
        var size = Environment.GetEnvironmentVariable("LAB_SIZE") == "small" ? ShapeSize.Small : ShapeSize.Large;
        using var pipeline = StableDiffusionPipeline.Load(modelPath);
        var model = pipeline.Model;
        var config = SchedulerConfig.FromJson(model.SchedulerConfigJson);
        using var schedule = new NoiseSchedule(config, rescaleZeroSnr: config.RescaleBetasZeroSnr == true);
        bool velocity = config.PredictionType == "v_prediction";
        var encoder = new PromptEncoder(pipeline.Tokenizer, model.TextEncoder);
        Console.WriteLine("t,sqrt_abar,snr,follows_words,follows_latent,found,guided5_follows_words,guided5_follows_latent");
        using var empty = encoder.Encode("");
        foreach (int t in new[] { 999, 950, 900, 850, 800, 700, 600, 400 })
        {
            float a = schedule.AlphaCumprod(t);
            int words = 0, latent = 0, found = 0, total = 0, guidedWords = 0, guidedLatent = 0;
            foreach (var hidden in ShapesVocabulary.Positions)
            {
                var prompted = (GridPosition)(8 - (int)hidden);
                if (prompted == hidden) continue;
                var spec = new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, size, hidden);
                using var _ = no_grad();
                using var pixels = ImageTensors.ToModelSpace(ShapesDataset.Render(spec));
                using var posterior = model.Vae.Encode(pixels);
                using var z0 = posterior.Mean * model.Vae.Config.ScalingFactor;
                using var context = encoder.Encode((spec with { Position = prompted }).CanonicalCaption);
                for (int seed = 1; seed <= seeds; seed++)
                {
                    using var scope = NewDisposeScope();
                    var noise = randn(z0.shape, generator: new Generator((ulong)(seed * 7919)));
                    var zt = z0 * MathF.Sqrt(a) + noise * MathF.Sqrt(1 - a);
                    Tensor Estimate(Tensor c)
                    {
                        var output = model.Unet.forward(zt, tensor(new long[] { t }), c);
                        return velocity ? MathF.Sqrt(a) * zt - MathF.Sqrt(1 - a) * output : (zt - MathF.Sqrt(1 - a) * output) / MathF.Sqrt(a);
                    }
                    GridPosition? Judge(Tensor estimate)
                    {
                        var image = ImageTensors.FromModelSpace(model.Vae.Decode(estimate / model.Vae.Config.ScalingFactor).clamp(-1, 1))[0];
                        var verdict = ShapesJudge.Judge(image);
                        return verdict.Found ? verdict.Position : null;
                    }
                    var conditional = Estimate(context);
                    var unconditional = Estimate(empty);
                    var guided = Judge(unconditional + 5 * (conditional - unconditional));
                    if (guided == prompted) guidedWords++;
                    if (guided == hidden) guidedLatent++;
                    var v = ShapesJudge.Judge(ImageTensors.FromModelSpace(model.Vae.Decode(conditional / model.Vae.Config.ScalingFactor).clamp(-1, 1))[0]);
                    total++;
                    if (!v.Found) continue;
                    found++;
                    if (v.Position == prompted) words++;
                    if (v.Position == hidden) latent++;
                }
            }
            Console.WriteLine($"{t},{MathF.Sqrt(a):F4},{a / (1 - a):G3},{words / (double)total:F3},{latent / (double)total:F3},{found / (double)total:F3},{guidedWords / (double)total:F3},{guidedLatent / (double)total:F3}");
        }
    }
}

static class Trajectory
{
    /// Where the sampler's guided one-step clean estimate puts the shape after each step of a normal `sd eval` sampling
    /// run (the model's scheduler, 25 steps, guidance 5 or LAB_GUIDANCE): one line per seed, one cell letter per step (t = the timestep the
    /// estimate is made at; '.' = the judge finds no shape), then the final image's cell. Shows whether a wrong cell is
    /// chosen at the first step or drifts there later. LAB_DUMP=DIR also saves every estimate as DIR/seedS-tT.png.
    public static void Run(string modelPath, string prompt, long[] seeds)
    {
        using var pipeline = StableDiffusionPipeline.Load(modelPath);
        var model = pipeline.Model;
        var config = SchedulerConfig.FromJson(model.SchedulerConfigJson);
        using var schedule = new NoiseSchedule(config, rescaleZeroSnr: config.RescaleBetasZeroSnr == true);
        using var scheduler = LatentSharp.Schedulers.SchedulerFactory.FromConfig(config);
        scheduler.SetTimesteps(25);
        long[] timesteps = scheduler.Timesteps.to(ScalarType.Int64).data<long>().ToArray();
        var encoder = new PromptEncoder(pipeline.Tokenizer, model.TextEncoder);
        using var context = encoder.Encode(prompt);
        using var empty = encoder.Encode("");
        float guidance = float.Parse(Environment.GetEnvironmentVariable("LAB_GUIDANCE") ?? "5");
        // The cell's key on a numeric keypad (7 = top left, 3 = bottom right), from its column and row.
        static string Letter(ShapesVerdict v) =>
            !v.Found ? "." : ((2 - ShapesVocabulary.Cell(v.Position).Row) * 3 + ShapesVocabulary.Cell(v.Position).Column + 1).ToString();
        Console.WriteLine($"{prompt}  (cells as on a keypad: 7 8 9 / 4 5 6 / 1 2 3; estimates at t = {string.Join(" ", timesteps.Skip(1))})");
        foreach (long seed in seeds)
        {
            var line = new System.Text.StringBuilder();
            string Estimate(Tensor z, long t)
            {
                using var scope = NewDisposeScope();
                float a = schedule.AlphaCumprod((int)t);
                var tt = tensor(new[] { t });
                var c = model.Unet.forward(z, tt, context);
                var u = model.Unet.forward(z, tt, empty);
                var eps = u + guidance * (c - u);
                var x0 = (z - MathF.Sqrt(1 - a) * eps) / MathF.Sqrt(a);
                var image = ImageTensors.FromModelSpace(model.Vae.Decode(x0 / model.Vae.Config.ScalingFactor).clamp(-1, 1))[0];
                if (Environment.GetEnvironmentVariable("LAB_DUMP") is { } dump)
                {
                    Directory.CreateDirectory(dump);
                    image.SaveAsPng(Path.Combine(dump, $"seed{seed}-t{t:000}.png"));
                }
                return Letter(ShapesJudge.Judge(image));
            }
            var request = new GenerationRequest { Prompt = prompt, Seed = seed, Steps = 25, GuidanceScale = guidance };
            using var result = pipeline.Generate(request, onStep: p =>
            {
                if (p.Step < p.TotalSteps) line.Append(Estimate(p.Latents, timesteps[p.Step]));
            });
            Console.WriteLine($"{seed}: {line} -> {Letter(ShapesJudge.Judge(result.Images[0]))}");
        }
    }
}

static class PhrasingDistance
{
    /// ContextDistances' row and column distances in each of the captions' phrasings (0 = the canonical pattern): does
    /// the encoder keep the position words apart in every phrasing, or only in the one most captions use?
    public static void Run(string modelPath)
    {
        using var model = LatentSharp.Checkpoints.StableDiffusionModel.Load(modelPath);
        var tokenizer = LatentSharp.Text.ClipTokenizer.FromFolder(model.RequireTokenizerPath());
        var example = new ShapeSpec(ShapeKind.Circle, ShapeColor.Red, ShapeColor.Blue, ShapeSize.Large, GridPosition.TopLeft);
        Console.WriteLine("phrasing,example,row,column");
        for (int k = 0; k < ShapesCaptions.ParaphraseCount; k++)
        {
            int phrasing = k;
            var d = LatentSharp.Training.ContextDistances.Measure(model.TextEncoder, tokenizer, caption: s => ShapesCaptions.Paraphrase(s, phrasing));
            Console.WriteLine($"{k},\"{ShapesCaptions.Paraphrase(example, k)}\",{d.Row:F1},{d.Column:F1}");
        }
    }
}
