// Text-to-image with LatentSharp's public API: load a model, generate with a progress report, save the PNG with its infotext.
//   dotnet run --project samples/TextToImage -- MODEL "PROMPT" [OUTPUT.png]
// MODEL: a diffusers folder, a single .safetensors checkpoint, or a Hugging Face id (org/name[@revision]).
using LatentSharp;
using LatentSharp.Checkpoints;
using LatentSharp.Performance;
using LatentSharp.Pipelines;

if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: TextToImage MODEL \"PROMPT\" [OUTPUT.png]");
    return 2;
}
string output = args.Length == 3 ? args[2] : "text-to-image.png";
try
{
    using var pipeline = StableDiffusionPipeline.Load(args[0], Precision.Fp32);
    var request = new GenerationRequest { Prompt = args[1], Steps = 20, GuidanceScale = 7.5, Seed = 42 };
    // previewEvery: 0 — only the step count; a UI would show GenerationProgress.Preview every few steps.
    using var result = pipeline.TextToImage(request, new ConsoleProgress(), previewEvery: 0);
    result.SaveAsPng(output);
    Console.WriteLine($"wrote {output}: {result.Infotexts[0].ReplaceLineEndings(" | ")}");
    return 0;
}
catch (Exception e) when (e is LatentSharpException or CheckpointException or IOException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

/// <summary>Reports on the generating thread (System.Progress&lt;T&gt; would post each report to the thread pool, out of order).</summary>
sealed class ConsoleProgress : IProgress<GenerationProgress>
{
    public void Report(GenerationProgress value) => Console.Write($"\rstep {value.Step}/{value.TotalSteps}{(value.Step == value.TotalSteps ? "\n" : "")}");
}
