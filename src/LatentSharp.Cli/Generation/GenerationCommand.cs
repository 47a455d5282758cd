using System.CommandLine;
using System.Diagnostics;
using LatentSharp.Checkpoints;
using LatentSharp.Imaging;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Schedulers;
using static TorchSharp.torch;

namespace LatentSharp.Cli.Generation;

/// <summary>
/// What `sd generate`, `sd img2img` and `sd inpaint` share: the options, loading the model, the
/// progress bar, and writing the PNGs (with their parameters) and optional tensors. Every argument is
/// checked before the model is loaded, and files are written only after generation succeeded.
/// </summary>
public abstract class GenerationCommand : SdCommand
{
    protected readonly GenerationOptions Shared = new();

    protected GenerationCommand(string name, string summary) : base(name, summary) => AddAll(Shared.All);

    /// <summary>Adds the mode's own options (input image, mask, strength) to the request.</summary>
    protected abstract GenerationRequest AddModeOptions(GenerationRequest request, ParseResult parse);

    /// <summary>Starting latents (text-to-image only): a safetensors file, or null.</summary>
    protected virtual string? InitialLatentsFile(ParseResult parse) => null;

    protected override int Run(ParseResult parse)
    {
        // Every argument is checked (and the input images read) before the model loads.
        var request = AddModeOptions(Shared.Request(parse), parse);
        var (modelPath, precision, tokenizer, configFolder) = Shared.Loading(parse);
        string? initLatents = InitialLatentsFile(parse), saveTensors = parse.GetValue(Shared.SaveTensors);
        var paths = OutputPaths.For(parse.GetValue(Shared.Output), Enumerable.Range(0, request.BatchSize).Select(i => request.Seed + i).ToList());
        using var adapters = Shared.Adapters.Load(parse);

        TorchRuntime.Configure();
        var clock = Stopwatch.StartNew();
        modelPath = HubModelArgument.Resolve(modelPath, precision != Precision.Fp32);
        // One generation per command: the networks are held one after the other where they can be. The VAE is read when it
        // is first needed (after sampling for text-to-image), the text encoders' memory is freed once the prompts are encoded,
        // the U-Net's once the latents are sampled; the peak is then the largest network's, not their sum. Where it pays (float32),
        // the heap's free pages go back after every step too.
        using var pipeline = ModelLoading.Load(modelPath, precision, tokenizer, configFolder, deferVae: true);
        pipeline.VaeTiling = VaeTileOption.Read(parse.GetValue(Shared.VaeTile));
        adapters.ApplyTo(pipeline, pipeline.Warn);
        if (AdapterOptions.PlainSyntaxNotice(request) is { } notice) pipeline.Warn?.Invoke(notice);
        pipeline.ReleaseTextEncodersAfterEncoding = true;
        pipeline.ReleaseUnetAfterSampling = true;
        pipeline.ReturnFreedMemoryAfterEachStep = pipeline.TrimmingTheHeapPaysOff;
        using var initialLatents = initLatents is { } file ? ReadInitialLatents(file) : null;
        request = request with { InitialLatents = initialLatents };
        request = request with { BatchSize = initialLatents is null || parse.Given(Shared.Batch) ? request.BatchSize : (int)initialLatents.shape[0] };

        GenerationResult result;
        ProgressBar? bar = null;
        try
        {
            // The loop's length is the scheduler's (PNDM adds a step, img2img runs part of the schedule).
            result = pipeline.Generate(request, step => (bar ??= new ProgressBar("sampling", step.TotalSteps)).Report(step.Step));
        }
        finally
        {
            bar?.Dispose();
        }
        using (result)
        {
            for (int i = 0; i < result.Images.Count; i++)
            {
                PngWriter.Write(paths[i], result.Images[i], result.Parameters[i]);
                Console.WriteLine($"wrote {paths[i]} (seed {result.Seeds[i]})");
            }
            if (saveTensors is { } tensorsPath)
            {
                SafetensorsWriter.Write(tensorsPath, new Dictionary<string, Tensor> { ["latents"] = result.Latents, ["image"] = result.Decoded });
                Console.WriteLine($"wrote {tensorsPath} (latents, image)");
            }
        }
        Terminal.Note($"done in {clock.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    static Tensor ReadInitialLatents(string path)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Contains("latents")) throw new CheckpointException(path, "has no tensor named 'latents'");
        var latents = file.Read("latents", ScalarType.Float32);
        if (latents.dim() != 4) throw new CheckpointException(path, $"'latents' must be [B, C, h, w], got [{string.Join(", ", latents.shape)}]");
        return latents;
    }

    /// <summary>Reads an input image (a required option).</summary>
    protected static RgbImage ReadImage(ParseResult parse, Option<string?> option) => ImageReader.Read(parse.GetValue(option)!);
}
