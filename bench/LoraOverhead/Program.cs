using System.Diagnostics;
using System.Globalization;
using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Performance;
using TorchSharp;
using static TorchSharp.torch;

// What applying a LoRA costs on a Stable Diffusion 1.5-sized model (issue 11, point 6: ≤ 5% of a guided step's
// time, ≤ 64 MB RSS beyond the LoRA file). LoRAs are merged into the weights, so the step itself is unchanged;
// this measures that, and the memory of loading, merging and removing.
//
//   dotnet run -c Release --project bench/LoraOverhead -- memory [--rank R]
//   dotnet run -c Release --project bench/LoraOverhead -- speed  [--rank R] [--size 512] [--repeats 5] [--threads N]
//   ... -- <mode> --model FOLDER --lora FILE      use an existing model folder and LoRA instead of random ones
//
// Without --model it builds sd15-random, saves it as float16 to a temporary folder (≈ 2 GB) and writes a random
// kohya LoRA of rank R (default 64) on the layers kohya's networks.lora trains (the U-Net's transformer linears and
// 1×1 projections, the text encoder's attention and MLP); both are deleted at the end. Each mode measures in a
// fresh child process. "memory" does not time anything and may run on a busy machine; "speed" needs a quiet one.

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: LoraOverhead memory|speed [--rank R] [--size PX] [--repeats N] [--threads N] [--model FOLDER --lora FILE]");
    return 2;
}
if (options.Child) return options.Mode == "memory" ? Measure.Memory(options) : Measure.Speed(options);

string? temp = null;
try
{
    if (options.Model is null)
    {
        temp = Path.Combine(Path.GetTempPath(), $"lora-overhead-{Environment.ProcessId}");
        var watch = Stopwatch.StartNew();
        using (var model = StableDiffusionModel.Create(StableDiffusionConfigs.Sd15, "sd15-random"))
        {
            model.Save(Path.Combine(temp, "model"), ScalarType.Float16);
            RandomLora.Write(model, options.Rank, Path.Combine(temp, "random-lora.safetensors"));
        }
        Console.WriteLine($"built sd15-random (float16 folder) and a rank-{options.Rank} LoRA in {watch.Elapsed.TotalSeconds:0} s ({temp})");
        options = options with { Model = Path.Combine(temp, "model"), Lora = Path.Combine(temp, "random-lora.safetensors") };
    }
    return RunChild(options);
}
finally
{
    if (temp != null && Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
}

static int RunChild(Options o)
{
    string host = Environment.ProcessPath!;
    var start = new ProcessStartInfo(host) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
    foreach (var a in o.ChildArguments()) start.ArgumentList.Add(a);
    using var child = Process.Start(start)!;
    child.WaitForExit();
    return child.ExitCode;
}

sealed record Options(string Mode, int Rank, int Size, int Repeats, int Threads, string? Model, string? Lora, bool Child)
{
    public static Options? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("memory" or "speed")) return null;
        var o = new Options(args[0], 64, 512, 5, Environment.ProcessorCount, null, null, false);
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--rank" => o with { Rank = Int() },
                "--size" => o with { Size = Int() },
                "--repeats" => o with { Repeats = Int() },
                "--threads" => o with { Threads = Int() },
                "--model" => o with { Model = Next() },
                "--lora" => o with { Lora = Next() },
                "--child" => o with { Child = true },
                _ => null!,
            };
            if (o is null) return null;
        }
        return (o.Model is null) == (o.Lora is null) ? o : null;
    }

    public IEnumerable<string> ChildArguments() =>
    [
        Mode, "--child", "--model", Model!, "--lora", Lora!, "--rank", $"{Rank}", "--size", $"{Size}", "--repeats", $"{Repeats}",
        "--threads", $"{Threads}",
    ];
}

/// <summary>A random kohya LoRA on the layers kohya's networks.lora trains by default.</summary>
static class RandomLora
{
    static readonly string[] UnetLayers = ["to_q", "to_k", "to_v", "to_out.0", "ff.net.0.proj", "ff.net.2", "proj_in", "proj_out"];
    static readonly string[] TextLayers = ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"];

    public static bool Trained(LoraTarget t) =>
        t.Component == "unet" ? t.ModulePath.Contains(".attentions.") && UnetLayers.Any(l => t.ModulePath.EndsWith("." + l, StringComparison.Ordinal))
            : TextLayers.Any(l => t.ModulePath.EndsWith("." + l, StringComparison.Ordinal));

    public static void Write(StableDiffusionModel model, int rank, string path)
    {
        var table = LoraModuleTable.For(model);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var generator = new Generator(7);
        foreach (var target in table.Targets.Where(Trained))
        {
            string name = table.KohyaName(target.Component, target.ModulePath);
            var shape = target.Weight.shape;
            long[] downShape = shape.Length == 4 ? [rank, shape[1], shape[2], shape[3]] : [rank, shape[1]];
            long[] upShape = shape.Length == 4 ? [shape[0], rank, 1, 1] : [shape[0], rank];
            tensors[name + ".lora_down.weight"] = randn(downShape, generator: generator) * 0.01;
            tensors[name + ".lora_up.weight"] = randn(upShape, generator: generator) * 0.01;
            tensors[name + ".alpha"] = tensor(rank / 2.0f);
        }
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["ss_network_dim"] = $"{rank}", ["ss_network_alpha"] = $"{rank / 2.0}" },
            ScalarType.Float16);
        foreach (var t in tensors.Values) t.Dispose();
    }
}

static class Measure
{
    public static int Memory(Options o)
    {
        TorchRuntime.Configure(o.Threads);
        using (zeros(1)) { }
        using var model = StableDiffusionModel.Load(o.Model!, ScalarType.Float32);
        long fileBytes = new FileInfo(o.Lora!).Length;
        long loaded = Rss();
        ResetPeak();
        using var lora = LoraFile.Load(o.Lora!);
        long withFile = Rss();
        ResetPeak();
        model.Loras.Set([new LoraApplication(lora, 0.8)]);
        long merged = Rss(), mergePeak = Peak();
        ResetPeak();
        model.Loras.Clear();
        long removed = Rss(), removePeak = Peak();
        ResetPeak();
        model.Loras.Set([new LoraApplication(lora, 0.8)]);
        model.Loras.Set([new LoraApplication(lora, 0.5)]);
        long switched = Rss(), switchPeak = Peak();

        long beyondFile = Math.Max(merged, mergePeak) - loaded - fileBytes;
        Console.WriteLine($"LoRA file:                         {Mb(fileBytes)} ({lora.Layers.Count} layers, rank {lora.Layers[0].Rank})");
        Console.WriteLine($"RSS, model loaded (fp32):          {Mb(loaded)}");
        Console.WriteLine($"RSS, LoRA file read:               {Mb(withFile)} (+{Mb(withFile - loaded)})");
        Console.WriteLine($"RSS, merged:                       {Mb(merged)} (+{Mb(merged - loaded)}), peak while merging {Mb(mergePeak)}");
        Console.WriteLine($"RSS, removed (weights re-read):    {Mb(removed)}, peak while removing {Mb(removePeak)}");
        Console.WriteLine($"RSS, merged again + rescaled:      {Mb(switched)}, peak {Mb(switchPeak)}");
        Console.WriteLine($"beyond the file (peak − loaded − file): {Mb(beyondFile)} (limit 64 MB)");
        return beyondFile <= 64L << 20 ? 0 : 1;
    }

    public static int Speed(Options o)
    {
        TorchRuntime.Configure(o.Threads);
        using var model = StableDiffusionModel.Load(o.Model!, ScalarType.Float32);
        using var lora = LoraFile.Load(o.Lora!);
        long side = o.Size / 8;
        using var sample = randn(2, 4, side, side);
        using var timestep = tensor(new long[] { 500, 500 });
        using var context = randn(2, 77, model.Unet.Config.CrossAttentionDimPerBlock()[0]);
        double Step()
        {
            using var _ = inference_mode();
            var watch = Stopwatch.StartNew();
            using var output = model.Unet.forward(sample, timestep, context);
            return watch.Elapsed.TotalSeconds;
        }

        Step();
        var plain = new List<double>();
        var withLora = new List<double>();
        for (int i = 0; i < o.Repeats; i++)
        {
            model.Loras.Clear();
            plain.Add(Step());
            model.Loras.Set([new LoraApplication(lora, 0.8)]);
            withLora.Add(Step());
        }
        var stopwatch = Stopwatch.StartNew();
        model.Loras.Clear();
        double removeSeconds = stopwatch.Elapsed.TotalSeconds;
        stopwatch.Restart();
        model.Loras.Set([new LoraApplication(lora, 0.8)]);
        double applySeconds = stopwatch.Elapsed.TotalSeconds;

        double basePlain = Median(plain), baseLora = Median(withLora);
        var flops = ModelFlops.UNet(model.Unet.Config, side, side);
        double sideMacs = SideMacs(model, lora, side);
        Console.WriteLine($"guided step (U-Net, batch 2, {o.Size}²), median of {o.Repeats}, {o.Threads} threads:");
        Console.WriteLine($"  without LoRA:  {basePlain:0.000} s");
        Console.WriteLine($"  LoRA merged:   {baseLora:0.000} s ({(baseLora / basePlain - 1) * 100:+0.0;-0.0}%, limit +5%)");
        Console.WriteLine($"  merge {applySeconds:0.00} s, removal {removeSeconds:0.00} s (once per change of LoRAs, not per step)");
        Console.WriteLine($"  computing the LoRA on the side instead would add {sideMacs / 1e9:0.0} GMAC to the step's " +
                          $"{2 * flops.Macs / 1e9:0.0} GMAC (+{sideMacs / (2 * flops.Macs) * 100:0.0}%)");
        return baseLora <= basePlain * 1.05 ? 0 : 1;
    }

    /// <summary>Multiply-accumulates of y += B(A x) for every U-Net LoRA layer at its resolution, for the guided batch of 2.</summary>
    static double SideMacs(StableDiffusionModel model, LoraFile lora, long latentSide)
    {
        double macs = 0;
        foreach (var (layer, target) in model.Loras.Resolve(lora).Where(r => r.Target.Component == "unet"))
        {
            long tokens = target.ModulePath.Contains("attn2.to_k") || target.ModulePath.Contains("attn2.to_v") ? 77 : Tokens(target.ModulePath, latentSide, model.Unet.Config.Blocks);
            macs += 2.0 * tokens * layer.Rank * (layer.InElements + layer.OutFeatures);
        }
        return macs;
    }

    static long Tokens(string path, long side, int levels)
    {
        var parts = path.Split('.');
        int level = parts[0] switch
        {
            "down_blocks" => int.Parse(parts[1], CultureInfo.InvariantCulture),
            "up_blocks" => levels - 1 - int.Parse(parts[1], CultureInfo.InvariantCulture),
            _ => levels - 1,
        };
        long s = side >> level;
        return s * s;
    }

    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    static long Rss() => StatusKb("VmRSS") * 1024;
    static long Peak() => StatusKb("VmHWM") * 1024;

    /// <summary>Linux resets the peak RSS (VmHWM) to the current RSS when "5" is written to clear_refs.</summary>
    static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    static long StatusKb(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"/proc/self/status has no {field}");
    }

    static string Mb(long bytes) => $"{bytes / 1048576.0:0.0} MB";
}
