using System.Diagnostics;
using LatentSharp.Cli.Generation;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>
/// Measures one configuration in this process: text encoder (2×77 tokens), U-Net passes at batch 1 and 2,
/// the scheduler's own work per step, VAE decode and encode, and whole text-to-image runs.
/// </summary>
public sealed class ConfigurationBench(BenchSettings settings, Action<string> progress)
{
    const long ContextTokens = 77;
    /// <summary>The scheduler loop's guidance (its cost does not depend on the scale, only on the guided batch).</summary>
    const double GuidanceScale = 7.5;

    public BenchResult Run(int size, Precision requested)
    {
        TorchRuntime.Configure(settings.Threads);
        using var inference = inference_mode();
        var loading = Stopwatch.StartNew();
        using var pipeline = BenchModels.Open(settings.Model, requested, settings.Tokenizer, notice => progress($"note: {notice}"));
        double loadSeconds = loading.Elapsed.TotalSeconds;
        pipeline.VaeTiling = VaeTileOption.Read(settings.VaeTile);
        // As sd generate sets it: the steps and images timed here are what users run.
        pipeline.ReturnFreedMemoryAfterEachStep = pipeline.TrimmingTheHeapPaysOff;
        var model = pipeline.Model;
        var dtype = model.Precision.DType();
        long latentSide = size / pipeline.VaeScaleFactor, latentChannels = model.Vae.Config.LatentChannels;
        // The whole image runs unwarmed: the parts before it have built every kernel it uses.
        Timing? Part(string part, Action action)
        {
            if (!settings.Runs(part)) return null;
            progress($"{settings.Model} {size}² {model.Precision.Name()}: {part}");
            return Timing.Measure(action, settings.Repeats, warmUp: part != "image");
        }

        var text = Part("text", () =>
        {
            using var ids = randint(0, pipeline.Tokenizer.VocabSize, [2, ContextTokens]);
            model.TextEncoder.PromptEmbeddings(ids).Dispose();
            if (model.TextEncoder2 is { } second)
                using (var output = second.forward(ids)) second.TextEmbeds(output.PoolerOutput).Dispose();
        });
        Timing? UNetPass(long batch) => Part("unet", () =>
        {
            using var scope = NewDisposeScope();
            var sample = randn([batch, model.Unet.Config.InChannels, latentSide, latentSide], dtype);
            model.Unet.Forward(sample, tensor(500L), RandomConditioning(model, batch, ContextTokens, size, dtype));
        });
        var unet1 = UNetPass(1);
        var unet2 = UNetPass(2);
        var step = settings.Runs("step") ? PipelineSteps(pipeline, size) : null;
        var scheduler = Part("scheduler", () => SchedulerLoop(pipeline, [1, latentChannels, latentSide, latentSide]));
        var decode = Part("vae", () =>
        {
            using var latents = randn(1, latentChannels, latentSide, latentSide);
            pipeline.DecodeLatents(latents).Dispose();
        });
        var encode = Part("vae", () =>
        {
            using var image = rand([1, model.Vae.Config.InChannels, size, size], dtype) * 2 - 1;
            model.Vae.Encode(image).Dispose();
        });
        bool peakReset = settings.Runs("image") && ProcessMemory.ResetPeak();
        var image = Part("image", () => pipeline.Generate(new GenerationRequest
        {
            Prompt = BenchModels.Prompt, Width = size, Height = size, Steps = settings.Steps, GuidanceScale = settings.GuidanceScale,
            Scheduler = "euler", Seed = 1,
        }).Dispose());

        var unetFlops = ModelFlops.UNet(model.Unet.Config, latentSide, latentSide, ContextTokens);
        return new BenchResult
        {
            Model = settings.Model, Size = size, Precision = model.Precision.Name(), PrecisionRequested = requested.Name(),
            Threads = settings.Threads, VaeTile = settings.VaeTile, Repeats = settings.Repeats, Steps = settings.Steps, Guidance = settings.GuidanceScale, LoadS = loadSeconds,
            WeightsMb = WeightBytes(model) / 1e6,
            TextEncodeS = text?.MedianSeconds, TextEncodeMinS = text?.MinSeconds,
            TextEncodeGflops = Rate(2 * TextEncoderFlops(model), text),
            UnetPassB1S = unet1?.MedianSeconds, UnetPassB1MinS = unet1?.MinSeconds,
            StepS = step?.MedianSeconds, StepMinS = step?.MinSeconds,
            UnetPassB2S = unet2?.MedianSeconds, UnetPassB2MinS = unet2?.MinSeconds, UnetPassB2CpuS = unet2?.CpuSecondsPerRun, UnetPassB2KernelS = unet2?.KernelSecondsPerRun,
            UnetPassB2Gflops = Rate(2 * unetFlops, unet2), UnetPassTflopB1 = unetFlops.Flops / 1e12,
            SchedulerStepMs = scheduler?.MedianSeconds * 1000 / settings.Steps,
            VaeDecodeS = decode?.MedianSeconds, VaeDecodeMinS = decode?.MinSeconds,
            VaeDecodeGflops = Rate(ModelFlops.VaeDecoder(model.Vae.Config, latentSide, latentSide), decode),
            VaeEncodeS = encode?.MedianSeconds, VaeEncodeMinS = encode?.MinSeconds,
            VaeEncodeGflops = Rate(ModelFlops.VaeEncoder(model.Vae.Config, size, size), encode),
            ImageS = image?.MedianSeconds, ImageMinS = image?.MinSeconds,
            ImagePeakRssMb = peakReset ? ProcessMemory.PeakResidentBytes() / 1e6 : null,
            PeakRssMb = ProcessMemory.PeakResidentBytes() / 1e6,
            LoadAverage = LoadAverage(),
            Cpu = HostProcessor.Describe(),
        };
    }

    /// <summary>Random context of the U-Net's width, and for SDXL a pooled embedding and the time ids of a size² image.</summary>
    static LatentSharp.UNet.UNetConditioning RandomConditioning(LatentSharp.Checkpoints.StableDiffusionModel model, long batch, long tokens,
        int size, ScalarType dtype)
    {
        var config = model.Unet.Config;
        var context = randn([batch, tokens, config.CrossAttentionDimPerBlock()[0]], dtype);
        if (model.TextEncoder2 is not { } second) return new(context);
        var timeIds = tensor(new float[] { size, size, 0, 0, size, size }).repeat(batch, 1);
        return new(context, randn([batch, second.Config.ProjectionDim], dtype), timeIds);
    }

    /// <summary>
    /// The sampling step users run: the time between consecutive steps of real text-to-image generations (U-Net
    /// passes with the pipeline's own inputs, guidance, the sampler), the first step of each run left out as its
    /// warm-up. This is what a step of `sd generate` costs, unlike an isolated U-Net pass on random inputs.
    /// </summary>
    Timing PipelineSteps(StableDiffusionPipeline pipeline, int size)
    {
        progress($"{settings.Model} {size}² {pipeline.Model.Precision.Name()}: step");
        var intervals = new List<double>();
        int steps = Math.Max(settings.Steps, 3);
        for (int run = 0; run < settings.Repeats; run++)
        {
            long? previous = null;
            pipeline.Generate(new GenerationRequest
            {
                Prompt = BenchModels.Prompt, Width = size, Height = size, Steps = steps, GuidanceScale = settings.GuidanceScale,
                Scheduler = "euler", Seed = 1 + run,
            }, onStep: progressOfStep =>
            {
                long now = Stopwatch.GetTimestamp();
                if (previous is long last) intervals.Add(Stopwatch.GetElapsedTime(last, now).TotalSeconds);
                previous = now;
            }).Dispose();
        }
        return Timing.FromSeconds(intervals);
    }

    /// <summary>A guided sampling loop without the U-Net: input scaling, guidance and the sampler's step, all in float32.</summary>
    void SchedulerLoop(StableDiffusionPipeline pipeline, long[] shape)
    {
        using var scope = NewDisposeScope();
        using var scheduler = SchedulerFactory.Create("euler", pipeline.SchedulerConfig);
        scheduler.SetTimesteps(settings.Steps);
        var latents = randn(shape);
        var prediction = randn([2 * shape[0], .. shape[1..]]);
        for (int i = 0; i < settings.Steps; i++)
        {
            var t = scheduler.Timesteps[i];
            scheduler.ScaleModelInput(ClassifierFreeGuidance.Duplicate(latents), t);
            latents = scheduler.Step(ClassifierFreeGuidance.Combine(prediction, GuidanceScale), t, latents).PrevSample;
        }
    }

    static double? Rate(FlopCount flops, Timing? timing) => timing is null ? null : flops.Flops / timing.MedianSeconds / 1e9;

    static FlopCount TextEncoderFlops(LatentSharp.Checkpoints.StableDiffusionModel model) =>
        ModelFlops.TextEncoder(model.TextEncoder.Config, ContextTokens)
        + (model.Configs.TextEncoder2 is { } second ? ModelFlops.TextEncoder(second, ContextTokens) : default);

    static long WeightBytes(LatentSharp.Checkpoints.StableDiffusionModel model) =>
        new nn.Module?[] { model.TextEncoder, model.TextEncoder2, model.Unet, model.Vae }.OfType<nn.Module>()
            .SelectMany(m => m.parameters()).Sum(p => p.numel() * p.element_size());

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
