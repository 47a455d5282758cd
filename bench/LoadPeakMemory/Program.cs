using System.Diagnostics;
using System.Globalization;
using LatentSharp.Checkpoints;
using LatentSharp.Performance;
using TorchSharp;
using static TorchSharp.torch;

// Peak memory of loading a model stored in float16: Stable Diffusion 1.5's shape into float32, or SDXL 1.0's into bfloat16.
//   dotnet run -c Release --project bench/LoadPeakMemory              build sd15-random, save it as a float16 folder,
//                                                                      measure a fresh process loading it into float32
//   dotnet run -c Release --project bench/LoadPeakMemory -- sdxl      build sdxl-random (in bfloat16), save it as a float16
//                                                                      single file and as a float16 folder, measure a fresh
//                                                                      process loading each into bfloat16
//   dotnet run -c Release --project bench/LoadPeakMemory -- PATH DTYPE   measure loading PATH (folder or file) into DTYPE
//                                                                      (float32 or bfloat16) in this process
//   dotnet run -c Release --project bench/LoadPeakMemory -- save DIR     only save sd15-random as a float16 diffusers folder
//                                                                      in DIR (the SD15_FOLDER of docs/performance.md's
//                                                                      `sd generate` timings) and keep it
// Everything built is written to a temporary folder and deleted afterwards.
// The requirement: peak RSS (VmHWM) ≤ 1.3 × the weight bytes in the loaded dtype.

if (args.Length == 2 && args[0] == "save") return Save(args[1]);
if (args.Length == 2) return Measure(args[0], args[1] == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32);
if (args.Length > 1 || (args.Length == 1 && args[0] != "sdxl"))
{
    Console.Error.WriteLine("usage: LoadPeakMemory [sdxl] | LoadPeakMemory PATH float32|bfloat16");
    return 2;
}
bool sdxl = args.Length == 1;
string work = Path.Combine(Path.GetTempPath(), $"load-peak-{Environment.ProcessId}");
Directory.CreateDirectory(work);
try
{
    var watch = Stopwatch.StartNew();
    string name = sdxl ? "sdxl-random" : "sd15-random";
    var targets = new List<(string Path, string DType)>();
    using (var model = sdxl
        ? StableDiffusionModel.Create(StableDiffusionConfigs.Sdxl, name, Precision.Bf16)
        : StableDiffusionModel.Create(StableDiffusionConfigs.Sd15, name))
    {
        string folder = Path.Combine(work, name + "-fp16");
        model.Save(folder, ScalarType.Float16);
        if (sdxl)
        {
            string file = Path.Combine(work, name + "-fp16.safetensors");
            SingleFileWriter.Write(model, file, ScalarType.Float16);
            targets.Add((file, "bfloat16"));
        }
        targets.Add((folder, sdxl ? "bfloat16" : "float32"));
    }
    long fileBytes = Directory.EnumerateFiles(work, "*.safetensors", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    Console.WriteLine($"built and saved {name} as float16 ({targets.Count} cop{(targets.Count == 1 ? "y" : "ies")}, {Gb(fileBytes)}) in {watch.Elapsed.TotalSeconds:0.0} s");
    int exit = 0;
    foreach (var (path, dtype) in targets)
    {
        Console.WriteLine($"\n{path} → {dtype}");
        exit = Math.Max(exit, RunChild(path, dtype));
    }
    return exit;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static int Save(string folder)
{
    if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
    {
        Console.Error.WriteLine($"{folder} exists and is not empty: choose a new folder");
        return 2;
    }
    var watch = Stopwatch.StartNew();
    using var model = StableDiffusionModel.Create(StableDiffusionConfigs.Sd15, "sd15-random");
    model.Save(folder, ScalarType.Float16);
    Console.WriteLine($"saved sd15-random as a float16 diffusers folder in {folder} ({watch.Elapsed.TotalSeconds:0.0} s)");
    return 0;
}

static int RunChild(string path, string dtype)
{
    string host = Environment.ProcessPath!;
    var start = new ProcessStartInfo(host) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
    start.ArgumentList.Add(path);
    start.ArgumentList.Add(dtype);
    using var child = Process.Start(start)!;
    child.WaitForExit();
    return child.ExitCode;
}

static int Measure(string path, ScalarType dtype)
{
    using (zeros(1)) { }   // load LibTorch first, so the baseline includes it
    long baseline = StatusKb("VmRSS") * 1024;
    var watch = Stopwatch.StartNew();
    using var model = StableDiffusionModel.Load(path, dtype);
    double seconds = watch.Elapsed.TotalSeconds;
    long peak = StatusKb("VmHWM") * 1024;
    long weights = new nn.Module?[] { model.TextEncoder, model.TextEncoder2, model.Unet, model.Vae }.OfType<nn.Module>()
        .SelectMany(m => m.parameters()).Sum(p => p.numel() * p.element_size());
    double ratio = (double)peak / weights;
    string type = dtype == ScalarType.BFloat16 ? "bfloat16" : "float32";
    Console.WriteLine($"{model.Kind.DisplayName()}, {type} weights: {Gb(weights)} ({weights.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
    Console.WriteLine($"RSS before loading:     {Gb(baseline)} (runtime + LibTorch)");
    Console.WriteLine($"peak RSS (VmHWM):       {Gb(peak)}");
    Console.WriteLine($"peak / weights:         {ratio:0.000} (limit 1.3)");
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
