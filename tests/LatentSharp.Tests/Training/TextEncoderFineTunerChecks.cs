using LatentSharp.Checkpoints;
using LatentSharp.Tests.Support;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

/// <summary>
/// What every <see cref="TextEncoderFineTuner"/> run owes, whatever its loss: the export changes the text encoder and nothing
/// else, and a run stopped and resumed ends on the same encoder, bit for bit, as one that ran straight through.
/// </summary>
public static class TextEncoderFineTunerChecks
{
    /// <summary>The model exported to <paramref name="folder"/> has <paramref name="baseModel"/>'s U-Net bit for bit and a text encoder that differs from it.</summary>
    public static void OnlyTheTextEncoderChanged(string baseModel, string folder)
    {
        using var original = StableDiffusionModel.Load(baseModel);
        using var exported = StableDiffusionModel.Load(folder);
        foreach (var (name, p) in original.Unet.named_parameters())
            Assert.True(TensorAssert.BitEqual(p, exported.Unet.named_parameters().Single(q => q.name == name).parameter), name);
        Assert.Contains(original.TextEncoder.named_parameters().Zip(exported.TextEncoder.named_parameters()),
            pair => !TensorAssert.BitEqual(pair.First.parameter, pair.Second.parameter));
    }

    /// <summary>
    /// Trains one run straight through (<c>whole</c> in <paramref name="temp"/>) and one stopped after step 2 and resumed
    /// (<c>split</c>), and checks that both export the same text encoder. The runs <paramref name="create"/> starts must be longer
    /// than two steps; <paramref name="created"/> sees each of them before it trains, <paramref name="resumed"/> the resumed one.
    /// </summary>
    public static void ResumesToTheSameEncoder<TTrainer>(TempFolder temp, Func<string, TTrainer> create, Func<string, TTrainer> resume,
        Action<TTrainer>? created = null, Action<TTrainer>? resumed = null) where TTrainer : TextEncoderFineTuner
    {
        using (var whole = create(temp["whole"]))
        {
            created?.Invoke(whole);
            whole.Train();
            whole.Export(temp["whole-model"]);
        }
        using (var first = create(temp["split"]))
        {
            created?.Invoke(first);
            using var stop = new CancellationTokenSource();
            Assert.Equal(TrainingOutcome.Stopped, first.Train(p => { if (p.Step == 2) stop.Cancel(); }, stop.Token));
        }
        using (var continued = resume(temp["split"]))
        {
            Assert.Equal(2, continued.State.Step);
            resumed?.Invoke(continued);
            Assert.Equal(TrainingOutcome.Completed, continued.Train());
            continued.Export(temp["split-model"]);
        }
        using var a = StableDiffusionModel.Load(temp["whole-model"]);
        using var b = StableDiffusionModel.Load(temp["split-model"]);
        foreach (var (x, y) in a.TextEncoder.named_parameters().Zip(b.TextEncoder.named_parameters()))
            Assert.True(TensorAssert.BitEqual(x.parameter, y.parameter), x.name);
    }
}
