using LatentSharp.Autoencoder;
using LatentSharp.Schedulers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// Where the sampling loop starts: pure noise for text-to-image, or the encoded input image noised to
/// the strength's timestep for image-to-image and inpainting. Draws come from the request's
/// <see cref="NoiseSource"/> in diffusers' order, so the same seed gives diffusers' latents.
/// </summary>
internal static class LatentPreparation
{
    /// <summary>z_T = N(0, I) · init_noise_sigma (or the given latents, scaled the same way).</summary>
    public static Tensor InitialNoise(long[] shape, IScheduler scheduler, NoiseSource noise, Tensor? given)
    {
        using var scope = NewDisposeScope();
        var z = given is null ? noise.Randn(shape) : given.to(ScalarType.Float32);
        return (z * scheduler.InitNoiseSigma).MoveToOuterDisposeScope();
    }

    /// <summary>scaling_factor · a posterior sample of each image's encoding (item i's draw from generator i).</summary>
    public static Tensor EncodeImage(AutoencoderKL vae, Tensor images, NoiseSource noise)
    {
        using var scope = NewDisposeScope();
        var type = vae.parameters().First().dtype;
        using var posterior = vae.Encode(images.to(type));
        var mean = posterior.Mean.to(ScalarType.Float32);
        var std = posterior.Std.to(ScalarType.Float32);
        var sample = mean + std * noise.Randn(mean.shape);
        return (sample * vae.Config.ScalingFactor).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The part of the schedule that a strength covers (diffusers' get_timesteps): the last
    /// ⌊steps·strength⌋ steps. Also tells the scheduler to begin there.
    /// </summary>
    public static Tensor StrengthTimesteps(IScheduler scheduler, int steps, double strength)
    {
        int initTimestep = Math.Min((int)(steps * strength), steps);
        int start = Math.Max(steps - initTimestep, 0);
        if (initTimestep < 1)
            throw new LatentSharpException($"strength {strength} with {steps} steps leaves no step to run; raise --strength or --steps");
        int begin = start * scheduler.Order;
        scheduler.SetBeginIndex(begin);
        return scheduler.Timesteps.slice(0, begin, scheduler.Timesteps.shape[0], 1);
    }

    /// <summary>Image latents noised to the first timestep of the strength's schedule.</summary>
    public static Tensor NoiseTo(IScheduler scheduler, Tensor imageLatents, Tensor noiseTensor, Tensor firstTimestep)
    {
        using var scope = NewDisposeScope();
        var t = firstTimestep.reshape(1).repeat(imageLatents.shape[0]);
        return scheduler.AddNoise(imageLatents, noiseTensor, t).MoveToOuterDisposeScope();
    }
}
