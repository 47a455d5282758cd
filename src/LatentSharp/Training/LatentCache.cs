using LatentSharp.Autoencoder;
using LatentSharp.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// The autoencoder's posterior N(mean, std²) for every training image, computed once before training
/// (the VAE is frozen, so encoding each image every epoch would repeat the same work) and held as two
/// float32 tensors [N, C, h, w]. A batch draws z = mean + std·ε with the step's generator, as diffusers'
/// <c>latent_dist.sample()</c> does on every step. Stored beside the run as a safetensors file so a
/// resumed run does not encode again.
/// </summary>
internal sealed class LatentCache : IDisposable
{
    const string MeanKey = "mean", StdKey = "std";

    LatentCache(Tensor mean, Tensor std)
    {
        Mean = mean;
        Std = std;
    }

    /// <summary>float32 [N, C, h, w].</summary>
    public Tensor Mean { get; }

    /// <summary>float32 [N, C, h, w].</summary>
    public Tensor Std { get; }

    public int Count => (int)Mean.shape[0];

    /// <summary>Latent shape of one image: C, h, w.</summary>
    public long[] LatentShape => Mean.shape[1..];

    /// <param name="images">uint8 [N, 3, S, S].</param>
    public static LatentCache Encode(AutoencoderKL vae, Tensor images, int batchSize = 32, Action<int>? progress = null)
    {
        using var _ = no_grad();
        vae.eval();
        long n = images.shape[0];
        var means = new List<Tensor>();
        var stds = new List<Tensor>();
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(batchSize, n - start);
                var pixels = images.narrow(0, start, count).to_type(ScalarType.Float32) / 127.5 - 1;
                using var posterior = vae.Encode(pixels);
                means.Add(posterior.Mean.clone().MoveToOuterDisposeScope());
                stds.Add(posterior.Std.clone().MoveToOuterDisposeScope());
                progress?.Invoke((int)(start + count));
            }
            return new LatentCache(cat(means, 0), cat(stds, 0));
        }
        finally
        {
            foreach (var t in means.Concat(stds)) t.Dispose();
        }
    }

    /// <summary>
    /// The standard deviation of z over the whole data set, from the posteriors without sampling:
    /// Var z = E[mean² + std²] − (E[mean])². Stable Diffusion's scaling factor is 1 / this, so the U-Net
    /// sees latents of unit variance.
    /// </summary>
    public double LatentStd()
    {
        using var scope = NewDisposeScope();
        var mean64 = Mean.to_type(ScalarType.Float64);
        var secondMoment = (mean64.square() + Std.to_type(ScalarType.Float64).square()).mean();
        return Math.Sqrt(secondMoment.item<double>() - Math.Pow(mean64.mean().item<double>(), 2));
    }

    /// <summary>1 / <see cref="LatentStd"/> to five significant digits, the value written to the VAE config and trained with.</summary>
    public double ScalingFactor()
    {
        var digits = (1 / LatentStd()).ToString("G5", System.Globalization.CultureInfo.InvariantCulture);
        return double.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>z = mean + std·ε for the images at <paramref name="indices"/>, ε drawn from <paramref name="random"/>.</summary>
    public Tensor Sample(Tensor indices, Generator random)
    {
        using var scope = NewDisposeScope();
        var mean = Mean.index_select(0, indices);
        var noise = randn(mean.shape, generator: random);
        return (mean + Std.index_select(0, indices) * noise).MoveToOuterDisposeScope();
    }

    public void Save(string path) =>
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { [MeanKey] = Mean, [StdKey] = Std });

    /// <summary>Reads a saved cache; null when there is none yet.</summary>
    /// <param name="expectedCount">The images the run has now; a cache of another number means the data changed under the run.</param>
    public static LatentCache? TryLoad(string path, int expectedCount)
    {
        if (!File.Exists(path)) return null;
        using var file = SafetensorsFile.Open(path);
        if (!file.Contains(MeanKey) || !file.Contains(StdKey)) throw new CheckpointException(path, "not a latent cache (no mean and std tensors)");
        long cached = file.Entry(MeanKey).Shape[0];
        if (cached != expectedCount)
            throw new LatentSharpException($"{path}: holds the latents of {cached} images but the data folder now gives {expectedCount}; the data changed since the run started");
        return new LatentCache(file.Read(MeanKey, ScalarType.Float32), file.Read(StdKey, ScalarType.Float32));
    }

    public void Dispose()
    {
        Mean.Dispose();
        Std.Dispose();
    }
}
