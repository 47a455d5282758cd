using System.Diagnostics;
using System.Globalization;
using LatentSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

// Attention kernels on SD 1.5's attention shapes at 512² (batch 2 = one guided step), interleaved in one process so
// the ratios between kernels hold even if the machine's speed drifts (issue 13, point 3). Needs a quiet machine.
//
//   dotnet run -c Release --project bench/AttentionKernels -- [--dtype bf16|fp32] [--repeats 5] [--threads 2] [--budget 2097152]
//
// Kernels: "sdpa" = LibTorch's scaled_dot_product_attention; "chunked" = the shape of ChunkedSoftmaxAttention (what
// bf16 self-attention uses): per head and chunk of budget / M queries, scores = Q·Kᵀ/√d into one reused buffer,
// softmax over keys, then · V, written into the output in place. Each prints milliseconds (median) and GFLOP/s (4·B·heads·N·M·d floating-point operations).

string dtypeName = Arg("--dtype", "bf16");
int repeats = int.Parse(Arg("--repeats", "5"), CultureInfo.InvariantCulture);
int threads = int.Parse(Arg("--threads", "2"), CultureInfo.InvariantCulture);
long budget = long.Parse(Arg("--budget", "2097152"), CultureInfo.InvariantCulture);
var dtype = dtypeName == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
torch.set_num_threads(threads);
Console.WriteLine($"# {dtypeName}, {threads} threads, score budget {budget} elements, loadavg {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine("shape                          count   sdpa ms  GFLOP/s   chunked ms  GFLOP/s   speed-up  max |diff|");

// (tokens N, keys M, head dim d, how many such attentions one SD 1.5 U-Net pass runs). 8 heads, batch 2.
(long N, long M, long D, int Count)[] shapes =
[
    (4096, 4096, 40, 5), (4096, 77, 40, 5),
    (1024, 1024, 80, 5), (1024, 77, 80, 5),
    (256, 256, 160, 5), (256, 77, 160, 5),
    (64, 64, 160, 1), (64, 77, 160, 1),
];
double totalSdpa = 0, totalChunked = 0;
foreach (var (n, m, d, count) in shapes) Compare(n, m, d, count, batch: 2, heads: 8, unet: true);
// The VAE decoder's mid-block attention at 512² (one head of 512 channels over the 64×64 latent, batch 1); not in the U-Net total.
Compare(4096, 4096, 512, 1, batch: 1, heads: 1, unet: false);
Console.WriteLine(FormattableString.Invariant($"per U-Net pass (batch 2): sdpa {totalSdpa / 1000:0.000} s, chunked {totalChunked / 1000:0.000} s"));
return 0;

void Compare(long n, long m, long d, int count, long batch, long heads, bool unet)
{
    using var scope = NewDisposeScope();
    var generator = new Generator(0);
    var q = randn([batch, n, heads * d], generator: generator).to_type(dtype);
    var k = randn([batch, m, heads * d], generator: generator).to_type(dtype);
    var v = randn([batch, m, heads * d], generator: generator).to_type(dtype);
    var reference = Sdpa(q, k, v, heads);
    var candidate = Chunked(q, k, v, heads, budget);
    double diff = (reference.to_type(ScalarType.Float32) - candidate.to_type(ScalarType.Float32)).abs().max().item<float>();
    var sdpa = new List<double>(); var chunked = new List<double>();
    for (int r = 0; r < repeats; r++)
    {
        sdpa.Add(Time(() => Sdpa(q, k, v, heads)));
        chunked.Add(Time(() => Chunked(q, k, v, heads, budget)));
    }
    double ms1 = Median(sdpa), ms2 = Median(chunked), flop = 4.0 * batch * heads * n * m * d;
    if (unet) { totalSdpa += ms1 * count; totalChunked += ms2 * count; }
    Console.WriteLine(FormattableString.Invariant(
        $"{$"{(unet ? "" : "VAE ")}N {n} M {m} d {d}",-28} ×{count}  {ms1,9:0.0}  {flop / ms1 / 1e6,7:0}   {ms2,10:0.0}  {flop / ms2 / 1e6,7:0}   {ms1 / ms2,7:0.00}×  {diff:0.0e0}"));
}

string Arg(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }

static double Time(Func<Tensor> run)
{
    var watch = Stopwatch.StartNew();
    using (var scope = NewDisposeScope()) run();
    return watch.Elapsed.TotalMilliseconds;
}

static double Median(List<double> xs) { xs.Sort(); return xs[xs.Count / 2]; }

static Tensor SplitHeads(Tensor x, long heads) => x.view(x.shape[0], x.shape[1], heads, x.shape[2] / heads).transpose(1, 2);

static Tensor Sdpa(Tensor q, Tensor k, Tensor v, long heads)
{
    long b = q.shape[0], n = q.shape[1];
    return nn.functional.scaled_dot_product_attention(SplitHeads(q, heads), SplitHeads(k, heads), SplitHeads(v, heads))
        .transpose(1, 2).reshape(b, n, q.shape[2]);
}

static Tensor Chunked(Tensor q, Tensor k, Tensor v, long heads, long budget)
{
    long b = q.shape[0], n = q.shape[1], inner = q.shape[2], d = inner / heads, m = k.shape[1], bh = b * heads;
    using var scope = NewDisposeScope();
    var qh = SplitHeads(q, heads).reshape(bh, n, d).contiguous();
    var kt = SplitHeads(k, heads).reshape(bh, m, d).transpose(1, 2).contiguous();
    var vh = SplitHeads(v, heads).reshape(bh, m, d).contiguous();
    var output = ChunkedSoftmaxAttention.Compute(qh, kt, vh, budget);
    return output.view(b, heads, n, d).transpose(1, 2).reshape(b, n, inner).MoveToOuterDisposeScope();
}

