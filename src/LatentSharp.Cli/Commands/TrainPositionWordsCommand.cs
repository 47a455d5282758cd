using System.CommandLine;
using LatentSharp.Cli.Training;
using LatentSharp.Training;

namespace LatentSharp.Cli.Commands;

/// <summary>`sd train position-words`: fine-tunes a shapes model's text encoder to keep the position words apart.</summary>
public sealed class TrainPositionWordsCommand : SdCommand
{
    static readonly PositionContrastOptions Defaults = new() { BaseModel = "" };

    static readonly Dictionary<string, PositionPairs> PairKinds = new() { ["axis"] = PositionPairs.Axis, ["any"] = PositionPairs.Any };

    readonly TrainingOptions training = new(Defaults.Optimization, "run.json, checkpoints/, samples/ (distance heatmaps), train_log.jsonl, loss.png, eval.jsonl, eval.png, model/",
        "model", randomFlip: "", emaDecay: "");

    readonly Option<string?> baseModel = TextEncoderFineTuning.BaseModelOption();
    readonly Option<double?> margin = CliOption.OptionalDouble("--margin",
        "context distance (L2 over the whole 77-token output) two captions naming different cells should reach (default: the base encoder's distance between captions differing only in the colour word)", 1e-6, 1e6);
    readonly Option<double> distillWeight = CliOption.Double("--distill-weight",
        "weight of the squared distance to the original encoder's contexts, in units of margin²: what keeps the U-Net's reading of every other word",
        Defaults.DistillationWeight, 0, 1e6, helpName: "W");
    readonly TextOption<PositionPairs> pairs = CliOption.Choice("--pairs",
        "which cells a pair names: axis (the row differs or the column differs, half each, so both words must count) or any (any two cells)", PairKinds, "axis");
    readonly Option<int> evalEvery = CliOption.Int("--eval-every", "measure the context distances (eval.jsonl, eval.png) every N steps", Defaults.EvaluateEvery, 1, 100_000_000);

    public TrainPositionWordsCommand() : base("train position-words", "fine-tune a shapes model's text encoder to keep the position words apart", """
        sd train position-words --base-model MODEL --out RUN [options]   a new run
        sd train position-words --out RUN --resume                        continue a run

        A U-Net can only follow words whose contexts differ: the shipped shapes model's text encoder keeps captions that
        differ only in "top left" / "left" 9 apart, where it keeps colour words 61 apart, and the U-Net ignores them.
        This trains the text encoder on pairs of generated shapes captions (seen colour-shape pairs, every phrasing)
        that differ only in the cell they name, pushing their distance up to the margin, while a distillation term holds
        every caption's context near the original's. The U-Net then has to be fine-tuned on the new encoder
        (sd train unet --base-model RUN/model): models/shapes-training/README.md, issue 12.
        """)
    {
        foreach (var option in new Option[] { training.Out, training.Resume, training.ExportOnly, baseModel, margin, distillWeight, pairs, evalEvery })
            Add(option);
        foreach (var option in TextEncoderFineTuning.Trailing(training)) Add(option);
    }

    protected override int Run(ParseResult parse) => TextEncoderFineTuning.Run(parse, training, "train position-words",
        [baseModel, margin, distillWeight, pairs, evalEvery],
        create: output => PositionContrastTrainer.Create(output, new PositionContrastOptions
        {
            BaseModel = TextEncoderFineTuning.BaseModel(parse, baseModel),
            Margin = parse.GetValue(margin),
            DistillationWeight = parse.GetValue(distillWeight),
            Pairs = pairs.Read(parse),
            EvaluateEvery = parse.GetValue(evalEvery),
            Optimization = TextEncoderFineTuning.Optimization(parse, training),
        }, TrainingConsole.Report),
        resume: output => PositionContrastTrainer.Resume(output, TrainingConsole.Report),
        measurement: trainer => $"text encoder now: {ContextDistances.Measure(trainer.Model.TextEncoder, trainer.Tokenizer)}",
        next: model => $"sd train unet --base-model {model} --data DATA …");
}
