using System.Diagnostics;
using System.Globalization;
using LatentSharp.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

// Peak memory of loading a Stable Diffusion 1.5-sized model stored in float16 into float32.
//   dotnet run -c Release --project bench/LoadPeakMemory            build sd15-random, save it as float16 to a
//                                                                    temporary folder, measure a fresh process
//                                                                    loading it, delete the folder
//   dotnet run -c Release --project bench/LoadPeakMemory -- FOLDER   measure loading FOLDER in this process
// The requirement: peak RSS (VmHWM) ≤ 1.3 × the float32 weight bytes.

if (args.Length == 1) return Measure(args[0]);
if (args.Length != 0)
{
    Console.Error.WriteLine("usage: LoadPeakMemory [MODEL_FOLDER]");
    return 2;
}

string folder = Path.Combine(Path.GetTempPath(), $"sd15-random-fp16-{Environment.ProcessId}");
try
{
    var watch = Stopwatch.StartNew();
    using (var model = StableDiffusionModel.Create(StableDiffusionConfigs.Sd15, "sd15-random"))
        model.Save(folder, ScalarType.Float16);
    long fileBytes = Directory.EnumerateFiles(folder, "*.safetensors", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    Console.WriteLine($"built and saved sd15-random as float16: {Gb(fileBytes)} in {watch.Elapsed.TotalSeconds:0.0} s ({folder})");
    return RunChild(folder);
}
finally
{
    if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
}

static int RunChild(string folder)
{
    string host = Environment.ProcessPath!;
    var start = new ProcessStartInfo(host) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
    start.ArgumentList.Add(folder);
    using var child = Process.Start(start)!;
    child.WaitForExit();
    return child.ExitCode;
}

static int Measure(string folder)
{
    using (zeros(1)) { }   // load LibTorch first, so the baseline includes it
    long baseline = StatusKb("VmRSS") * 1024;
    var watch = Stopwatch.StartNew();
    using var model = StableDiffusionModel.Load(folder, ScalarType.Float32);
    double seconds = watch.Elapsed.TotalSeconds;
    long peak = StatusKb("VmHWM") * 1024;
    long weights = new nn.Module[] { model.TextEncoder, model.Unet, model.Vae }
        .SelectMany(m => m.parameters()).Sum(p => p.numel() * p.element_size());
    double ratio = (double)peak / weights;
    Console.WriteLine($"float32 weights:        {Gb(weights)} ({weights.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
    Console.WriteLine($"RSS before loading:     {Gb(baseline)} (runtime + LibTorch)");
    Console.WriteLine($"peak RSS (VmHWM):       {Gb(peak)}");
    Console.WriteLine($"peak / float32 weights: {ratio:0.000} (limit 1.3)");
    Console.WriteLine($"load time:              {seconds:0.0} s");
    return ratio <= 1.3 ? 0 : 1;
}

static long StatusKb(string field)
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith(field + ":", StringComparison.Ordinal))
            return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    throw new InvalidOperationException($"/proc/self/status has no {field}");
}

static string Gb(long bytes) => $"{bytes / 1e9:0.000} GB";
