// Image-to-image with a LoRA through LatentSharp's public API, cancellable with Ctrl+C, saving a preview of every fifth step.
//   dotnet run --project samples/ImageToImageWithLora -- MODEL INPUT.png LORA.safetensors "PROMPT" [OUTPUT.png]
using LatentSharp;
using LatentSharp.Checkpoints;
using LatentSharp.Adapters;
using LatentSharp.Imaging;
using LatentSharp.Performance;
using LatentSharp.Pipelines;

if (args.Length is < 4 or > 5)
{
    Console.Error.WriteLine("usage: ImageToImageWithLora MODEL INPUT.png LORA.safetensors \"PROMPT\" [OUTPUT.png]");
    return 2;
}
string output = args.Length == 5 ? args[4] : "image-to-image.png";
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    using var pipeline = StableDiffusionPipeline.Load(args[0], Precision.Fp32);
    using var lora = LoraFile.Load(args[2]);     // kohya/A1111 or diffusers/PEFT .safetensors; merged for each generation
    var request = new GenerationRequest
    {
        Prompt = args[3], Image = RgbImage.Load(args[1]), Strength = 0.6, Steps = 20, Seed = 7,
        Loras = [new LoraApplication(lora, scale: 0.8)],
    };
    var progress = new PreviewFiles(Path.ChangeExtension(output, null) + "-preview.png");
    using var result = pipeline.ImageToImage(request, progress, cancel.Token, previewEvery: 5);
    result.SaveAsPng(output);
    Console.WriteLine($"wrote {output}: {result.Infotexts[0].ReplaceLineEndings(" | ")}");
    return 0;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (Exception e) when (e is LatentSharpException or CheckpointException or IOException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

/// <summary>Prints each step and overwrites one preview file with the latest preview image.</summary>
sealed class PreviewFiles(string path) : IProgress<GenerationProgress>
{
    public void Report(GenerationProgress value)
    {
        Console.WriteLine($"step {value.Step}/{value.TotalSteps}");
        value.Preview?.SaveAsPng(path);
    }
}
