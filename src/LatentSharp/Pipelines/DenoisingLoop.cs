using LatentSharp.Performance;
using LatentSharp.Schedulers;
using LatentSharp.UNet;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Pipelines;

/// <summary>
/// The sampling loop: for each timestep, predict the noise (both guidance passes in one U-Net call),
/// combine them, and let the scheduler step. Scheduler maths stay in float32 whatever dtype the U-Net
/// runs in. Every step's temporaries are freed before the next, so memory is flat over any number of steps.
/// </summary>
internal sealed class DenoisingLoop
{
    public required UNet2DConditionModel Unet { get; init; }
    public required IScheduler Scheduler { get; init; }

    /// <summary>What the U-Net receives besides z and t: [negative ×B; prompt ×B] with guidance, [prompt ×B] without.</summary>
    public required UNetConditioning Conditioning { get; init; }

    public required double GuidanceScale { get; init; }
    public required NoiseSource Noise { get; init; }

    /// <summary>Channels appended to the scaled model input (mask and masked-image latents of 9-channel inpainting U-Nets).</summary>
    public Tensor? ExtraChannels { get; init; }

    /// <summary>Runs after each scheduler step: (step index, latents) → latents (inpainting's re-noised blend).</summary>
    public Func<int, Tensor, Tensor>? AfterStep { get; init; }

    public Action<StepProgress>? OnStep { get; init; }

    /// <summary>Hand the C heap's free pages back after every step (<see cref="StableDiffusionPipeline.ReturnFreedMemoryAfterEachStep"/>).</summary>
    public bool TrimHeapAfterEachStep { get; init; }

    public CancellationToken Cancellation { get; init; }

    /// <summary>Denoises <paramref name="latents"/> over <paramref name="timesteps"/>; returns new latents (the input is left alone).</summary>
    public Tensor Run(Tensor latents, Tensor timesteps)
    {
        bool guided = ClassifierFreeGuidance.IsActive(GuidanceScale);
        var unetType = Unet.parameters().First().dtype;
        using var conditioning = Conditioning.To(unetType);
        int count = (int)timesteps.shape[0];
        var current = latents.alias();
        for (int i = 0; i < count; i++)
        {
            Cancellation.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                var t = timesteps[i];
                var noisePrediction = PredictNoise(current, t, conditioning, guided, unetType);
                var next = Scheduler.Step(noisePrediction, t, current, Noise).PrevSample;
                if (AfterStep != null) next = AfterStep(i, next);
                next.MoveToOuterDisposeScope();
                current.Dispose();
                current = next;
            }
            if (TrimHeapAfterEachStep) TorchRuntime.TrimNativeHeap();
            OnStep?.Invoke(new StepProgress(i + 1, count, current));
        }
        return current;
    }

    Tensor PredictNoise(Tensor latents, Tensor t, UNetConditioning conditioning, bool guided, ScalarType unetType)
    {
        var input = Scheduler.ScaleModelInput(guided ? ClassifierFreeGuidance.Duplicate(latents) : latents, t);
        if (ExtraChannels is { } extra)
            input = cat([input, guided ? ClassifierFreeGuidance.Duplicate(extra) : extra], 1);
        var prediction = Unet.Forward(input.to(unetType), t, conditioning).to(ScalarType.Float32);
        return guided ? ClassifierFreeGuidance.Combine(prediction, GuidanceScale) : prediction;
    }
}
