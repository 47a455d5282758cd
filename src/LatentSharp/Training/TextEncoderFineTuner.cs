using System.Text.Json;
using LatentSharp.Checkpoints;
using LatentSharp.Text;
using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// A run that fine-tunes a base model's text encoder against a frozen copy of the original encoder
/// (<see cref="PositionContrastTrainer"/>, <see cref="PhrasingDistillationTrainer"/>): the base model is loaded twice, the
/// second copy staying as it was, and the export is the base model with the trained encoder. Only the text encoder learns:
/// the U-Net and the autoencoder were trained on the original encoder, and the export carries them unchanged.
/// </summary>
public abstract class TextEncoderFineTuner : Trainer
{
    static readonly JsonSerializerOptions Compact = new(ConfigJson.Options) { WriteIndented = false };

    protected TextEncoderFineTuner(TrainingRunFolder run, OptimizationOptions options, StableDiffusionModel model, StableDiffusionModel original,
        ClipTokenizer tokenizer) : base(run, options, TextEncoderGroup(model))
    {
        Model = model;
        Original = original;
        Tokenizer = tokenizer;
        EmptyCaption = tokenizer.EncodeBatch([""]);
    }

    static ModuleGroup TextEncoderGroup(StableDiffusionModel model)
    {
        // A gradient may flow through the U-Net to the contexts (the phrasings' does); the U-Net's and autoencoder's own weights stay put.
        foreach (var parameter in model.Unet.parameters().Concat(model.Vae.parameters())) parameter.requires_grad = false;
        foreach (var parameter in model.TextEncoder.parameters()) parameter.requires_grad = true;
        return new ModuleGroup(("text_encoder", model.TextEncoder));
    }

    /// <summary>The model being trained: the base model with the current text encoder (what <see cref="Export"/> writes).</summary>
    public StableDiffusionModel Model { get; }

    /// <summary>The second copy of the base model, never trained: its text encoder gives the contexts the run holds to or learns from.</summary>
    protected StableDiffusionModel Original { get; }

    /// <summary>The base model's tokenizer, which the captions are encoded with.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>The empty caption's token ids: its context is the unconditional one guidance pushes away from, which every run holds to the original's.</summary>
    protected Tensor EmptyCaption { get; }

    /// <summary>
    /// Loads the base model at <paramref name="path"/> twice and hands both copies and the tokenizer to <paramref name="build"/>,
    /// which owns them once it returns a trainer; if loading, a refusal or <paramref name="build"/> fails, the copies are disposed.
    /// A refused model is loaded only once, and <paramref name="build"/> makes the run folder, so a refused one leaves none.
    /// </summary>
    /// <param name="kind">The run's kind, named when a model with two text encoders (SDXL) is refused.</param>
    /// <param name="check">The trainer's own refusals, given the first copy and <paramref name="path"/>.</param>
    protected static TTrainer WithBaseModel<TTrainer>(string path, string kind, Action<StableDiffusionModel, string>? check,
        Func<StableDiffusionModel, StableDiffusionModel, ClipTokenizer, TTrainer> build) where TTrainer : TextEncoderFineTuner
    {
        var (model, original, tokenizer) = Load(path, kind, check);
        try
        {
            return build(model, original, tokenizer);
        }
        catch
        {
            model.Dispose();
            original.Dispose();
            throw;
        }
    }

    static (StableDiffusionModel Model, StableDiffusionModel Original, ClipTokenizer Tokenizer) Load(string path, string kind,
        Action<StableDiffusionModel, string>? check)
    {
        var model = StableDiffusionModel.Load(path);
        try
        {
            if (model.TextEncoder2 != null) throw new LatentSharpException($"{path}: {kind} trains SD 1.x/2.x models (one text encoder)");
            check?.Invoke(model, path);
            var tokenizer = ClipTokenizer.FromFolder(model.RequireTokenizerPath());
            return (model, StableDiffusionModel.Load(path), tokenizer);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Appends one measurement to eval.jsonl, a line each, so the curve can be read while the run goes on.</summary>
    protected void AppendEvaluation<TMeasurement>(TMeasurement measurement) =>
        File.AppendAllText(Run.EvalLog, JsonSerializer.Serialize(measurement, Compact) + "\n");

    /// <summary>The measurements in eval.jsonl so far, oldest first.</summary>
    protected IReadOnlyList<TMeasurement> ReadEvaluationLog<TMeasurement>() => !File.Exists(Run.EvalLog) ? [] :
        File.ReadLines(Run.EvalLog).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<TMeasurement>(l, Compact)!).ToList();

    /// <summary>Writes the base model with the trained text encoder as a diffusers pipeline folder.</summary>
    /// <param name="dtype">Float16 halves the size; default: as in memory (float32).</param>
    public void Export(string folder, ScalarType? dtype = null) => Model.Save(folder, dtype);

    public override void Dispose()
    {
        base.Dispose();
        EmptyCaption.Dispose();
        Model.Dispose();
        Original.Dispose();
    }
}
