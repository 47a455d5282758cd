using LatentSharp.Checkpoints;
using LatentSharp.Performance;
using LatentSharp.Pipelines;
using LatentSharp.Text;
using TorchSharp;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>The models a benchmark runs: Stable Diffusion 1.5's or SDXL 1.0's shape with random weights, or a model folder/file.</summary>
public static class BenchModels
{
    public const string RandomSd15 = "sd15-random";
    public const string RandomSdxl = "sdxl-random";

    /// <summary>The random models: name → the reference configs they are built from.</summary>
    public static IReadOnlyDictionary<string, Func<StableDiffusionConfigSet>> Random { get; } = new Dictionary<string, Func<StableDiffusionConfigSet>>
    {
        [RandomSd15] = () => StableDiffusionConfigs.Sd15,
        [RandomSdxl] = () => StableDiffusionConfigs.Sdxl,
    };

    public static bool IsRandom(string spec) => Random.ContainsKey(spec);

    /// <summary>The prompt of the end-to-end runs; also the text the random model's tokenizer is trained on.</summary>
    public const string Prompt = "a red circle and a blue square on a white background, studio photo";

    /// <summary>
    /// A pipeline for <paramref name="spec"/>. The random model is drawn directly in the precision's dtype (seeded,
    /// so every run benchmarks the same weights); it brings a small BPE tokenizer trained on the prompt, since
    /// token ids only need to be valid for its 49408-entry embedding, not meaningful (SDXL's tokenizer_2 is the same,
    /// padding with "!").
    /// </summary>
    public static StableDiffusionPipeline Open(string spec, Precision precision, string? tokenizerPath, Action<string> notice)
    {
        if (!Random.TryGetValue(spec, out var configs)) return StableDiffusionPipeline.Load(spec, precision, tokenizerPath, notice);
        torch.manual_seed(0);
        var model = StableDiffusionModel.Create(configs(), spec, precision, tokenizerPath, notice);
        var tokenizer = tokenizerPath is null ? BpeTrainer.Train([Prompt], BpeTrainer.BaseVocabSize + 64) : ClipTokenizer.FromFolder(tokenizerPath);
        StableDiffusionPipeline.UseInferenceLayout(model);
        return new StableDiffusionPipeline(model, tokenizer);
    }
}
