using System.Text.Json.Nodes;
using LatentSharp.Schedulers;
using LatentSharp.Shapes;
using LatentSharp.Tests.Support;
using LatentSharp.Training;

namespace LatentSharp.Tests.Training;

public class AdherenceEvaluationTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ThePromptSetIsBalancedOverCellsAndHoldsOutAQuarter()
    {
        var prompts = AdherenceProbe.Prompts(36);
        Assert.Equal(36, prompts.Count);
        var seen = prompts.Where(p => !p.Spec.IsHeldOut).ToList();
        var heldOut = prompts.Where(p => p.Spec.IsHeldOut).ToList();
        Assert.Equal(27, seen.Count);
        Assert.All(ShapesVocabulary.Positions, cell =>
        {
            Assert.Equal(3, seen.Count(p => p.Spec.Position == cell));
            Assert.Single(heldOut, p => p.Spec.Position == cell);
        });
        Assert.All(prompts, p => Assert.NotEqual(p.Spec.Color, p.Spec.Background));
        Assert.Equal(12, prompts.Count(p => p.Text != p.Spec.CanonicalCaption));
        Assert.Equal(prompts, AdherenceProbe.Prompts(36));
        Assert.Equal(prompts.Take(9), AdherenceProbe.Prompts(9));
    }

    [Fact]
    public void ARunEvaluatesEveryNStepsAndAtTheEnd()
    {
        var options = TinyRun(steps: 7) with { Evaluation = new AdherenceSettings { Every = 3, Prompts = 4, Seeds = 2, Steps = 2 } };
        var reports = new List<string>();
        using var trainer = DiffusionTrainer.Create(temp["run"], options, reports.Add);
        Assert.Equal(TrainingOutcome.Completed, trainer.Train());

        var lines = File.ReadAllLines(trainer.Run.EvalLog).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([3L, 6L, 7L], lines.Select(l => l["step"]!.GetValue<long>()));
        // 4 prompts: 3 with seen pairs, 1 held out; 2 seeds each.
        Assert.All(lines, l => Assert.Equal(6, l["seen"]!["images"]!.GetValue<int>()));
        Assert.All(lines, l => Assert.Equal(2, l["held_out"]!["images"]!.GetValue<int>()));
        Assert.All(lines, l => Assert.InRange(l["seen"]!["position"]!.GetValue<double>(), 0, 1));
        Assert.True(new FileInfo(trainer.Run.EvalPlot).Length > 1000);
        Assert.Equal(3, reports.Count(r => r.Contains("position")));
    }

    [Fact]
    public void AResumedRunDropsTheEvaluationsPastItsCheckpoint()
    {
        var options = TinyRun(steps: 6) with { Evaluation = new AdherenceSettings { Every = 2, Prompts = 1, Seeds = 1, Steps = 1 } };
        options = options with { Optimization = options.Optimization with { CheckpointEvery = 2 } };
        using (var first = DiffusionTrainer.Create(temp["run"], options))
        {
            using var stop = new CancellationTokenSource();
            first.Train(p => { if (p.Step == 5) stop.Cancel(); }, stop.Token);
        }
        // Stopped at step 5: evaluations at 2 and 4, checkpoint at 5. Pretend a crash after a later evaluation.
        string log = Path.Combine(temp["run"], "eval.jsonl");
        File.AppendAllText(log, File.ReadAllLines(log)[^1].Replace("\"step\":4", "\"step\":8") + "\n");
        using var resumed = DiffusionTrainer.Resume(temp["run"]);
        resumed.Train();
        Assert.Equal([2L, 4L, 6L], File.ReadAllLines(log).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<long>()));
    }

    [Fact]
    public void TheRunTrainsAndExportsTheGivenNoiseSchedule()
    {
        var schedule = ShapesPresets.Scheduler(DiffusionObjective.Velocity) with { RescaleBetasZeroSnr = true, StepsOffset = 1 };
        var options = TinyRun(steps: 2) with { PredictionType = DiffusionObjective.Velocity, Scheduler = schedule };
        using var trainer = DiffusionTrainer.Create(temp["run"], options);
        trainer.Train();
        trainer.Export(temp["model"]);
        var exported = SchedulerConfig.FromJson(File.ReadAllText(Path.Combine(temp["model"], "scheduler", "scheduler_config.json")));
        Assert.True(exported.RescaleBetasZeroSnr);
        Assert.Equal(DiffusionObjective.Velocity, exported.PredictionType);
        Assert.Equal(1, exported.StepsOffset);
        // run.json keeps the resolved schedule, so a resumed run does not depend on today's presets.
        Assert.Contains("\"rescale_betas_zero_snr\": true", File.ReadAllText(trainer.Run.RunFile));
    }

    [Fact]
    public void ZeroTerminalSnrWithEpsilonPredictionIsRefused()
    {
        var options = TinyRun(steps: 1) with { Scheduler = ShapesPresets.Scheduler(DiffusionObjective.Epsilon) with { RescaleBetasZeroSnr = true } };
        var error = Assert.Throws<LatentSharpException>(() => DiffusionTrainer.Create(temp["run"], options));
        Assert.Contains("v_prediction", error.Message);
    }

    DiffusionTrainingOptions TinyRun(int steps) =>
        TinyTraining.NewModel(TinyTraining.ShapesFolder(temp["data"]), TinyTraining.VaeFolder(temp["vae"]), steps);
}
