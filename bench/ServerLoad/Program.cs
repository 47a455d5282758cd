using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using LatentSharp.Pipelines;
using LatentSharp.Server;

// A bounded load test of the server on loopback: it starts `sd serve`'s server in this process on a free
// port of 127.0.0.1, then N clients each send M txt2img requests one after another (distinct seeds), and it
// reports throughput, latency percentiles, errors, and the process RSS after warm-up, during the run and at
// the end (flat RSS = no leak per request).
//   dotnet run -c Release --project bench/ServerLoad -- --model ../shared/fixtures/tiny-sd1 [--clients 8] [--requests 25]
//       [--steps 4] [--size 64] [--preview-share 0.2] [--max-seconds 900]

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: ServerLoad --model PATH [--clients N] [--requests M] [--steps S] [--size PX] [--preview-share F] [--max-seconds T]");
    return 2;
}

using var pipeline = StableDiffusionPipeline.Load(options.Model);
await using var server = await LatentSharpServer.StartAsync(pipeline, new ServerOptions
{
    Port = 0, MaxQueue = options.Clients, PreviewTimeShare = options.PreviewShare,
});
using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(10) };
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.MaxSeconds));

object Request(long seed) => new { prompt = $"a red circle {seed % 7}", steps = options.Steps, width = options.Size, height = options.Size, seed };

for (int i = 0; i < 3; i++) await Send(http, Request(i), deadline.Token);   // warm-up: JIT, allocator, LibTorch kernels
long rssAfterWarmup = Rss();
var rssSamples = new List<(double Seconds, long Bytes)>();
var clock = Stopwatch.StartNew();
using var sampling = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
var sampler = Task.Run(async () =>
{
    while (await sampling.WaitForNextTickAsync()) lock (rssSamples) rssSamples.Add((clock.Elapsed.TotalSeconds, Rss()));
});

var latencies = new List<double>();
int errors = 0;
await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(client => Task.Run(async () =>
{
    for (int r = 0; r < options.Requests && !deadline.IsCancellationRequested; r++)
    {
        var (ok, seconds) = await Send(http, Request(1000 + client * options.Requests + r), deadline.Token);
        lock (latencies)
        {
            if (ok) latencies.Add(seconds);
            else errors++;
        }
    }
})));
double wall = clock.Elapsed.TotalSeconds;
sampling.Dispose();
await sampler;
long rssEnd = Rss();

latencies.Sort();
int total = latencies.Count + errors;
Console.WriteLine($"model {pipeline.Model.Name}, {options.Steps} steps at {options.Size}x{options.Size}, preview share {options.PreviewShare}");
Console.WriteLine($"clients N={options.Clients}, requests per client M={options.Requests}: {total} requests in {wall:0.0} s, {errors} errors" +
                  (deadline.IsCancellationRequested ? " (stopped at --max-seconds)" : ""));
Console.WriteLine($"throughput {latencies.Count / wall:0.00} req/s");
Console.WriteLine($"latency s: p50 {Percentile(latencies, 50):0.000}  p95 {Percentile(latencies, 95):0.000}  p99 {Percentile(latencies, 99):0.000}  max {latencies.LastOrDefault():0.000}");
Console.WriteLine($"RSS MiB: after warm-up {Mib(rssAfterWarmup)}, end {Mib(rssEnd)}, peak {Mib(rssSamples.Select(s => s.Bytes).DefaultIfEmpty(rssEnd).Max())}");
Console.WriteLine("RSS MiB by tenth of the run: " + string.Join(" ", Tenths(rssSamples, wall).Select(Mib)));
return errors == 0 ? 0 : 1;

static async Task<(bool Ok, double Seconds)> Send(HttpClient http, object body, CancellationToken cancellation)
{
    var watch = Stopwatch.StartNew();
    try
    {
        using var response = await http.PostAsJsonAsync("sdapi/v1/txt2img", body, cancellation);
        await response.Content.ReadAsByteArrayAsync(cancellation);
        if (!response.IsSuccessStatusCode) Console.Error.WriteLine($"HTTP {(int)response.StatusCode}");
        return (response.IsSuccessStatusCode, watch.Elapsed.TotalSeconds);
    }
    catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
    {
        Console.Error.WriteLine(e.Message);
        return (false, watch.Elapsed.TotalSeconds);
    }
}

static double Percentile(List<double> sorted, double p) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

static IEnumerable<long> Tenths(List<(double Seconds, long Bytes)> samples, double wall) =>
    Enumerable.Range(1, 10).Select(k => samples.LastOrDefault(s => s.Seconds <= wall * k / 10).Bytes).Where(b => b > 0);

static long Rss()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    return Environment.WorkingSet;
}

static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0", CultureInfo.InvariantCulture);

sealed record Options(string Model, int Clients, int Requests, int Steps, int Size, double PreviewShare, int MaxSeconds)
{
    public static Options? Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
            values[args[i][2..]] = args[i + 1];
        }
        if (args.Length % 2 != 0 || !values.TryGetValue("model", out var model)) return null;
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        double share = values.TryGetValue("preview-share", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : new ServerOptions().PreviewTimeShare;
        return new Options(model, Int("clients", 8), Int("requests", 25), Int("steps", 4), Int("size", 64), share, Int("max-seconds", 900));
    }
}
