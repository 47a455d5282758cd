using LatentSharp.Tests.Support;
using LatentSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Training;

public class TrainingCheckpointTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    sealed class Model : IDisposable
    {
        public readonly TorchSharp.Modules.Linear Linear = nn.Linear(3, 2);
        public readonly ModuleGroup Group;
        public readonly TrainingLoop Loop;

        public Model(int seed)
        {
            Group = new ModuleGroup(("linear", Linear));
            WeightInitialization.Apply(Group, (ulong)seed);
            Loop = new TrainingLoop(Group, new OptimizationOptions { Steps = 10, WarmupSteps = 0, EmaDecay = 0.9 });
        }

        public void Step(long step) => Loop.Step(step, _ => Linear.forward(ones(4, 3)).square().mean());

        public void Dispose()
        {
            Loop.Dispose();
            Linear.Dispose();
        }
    }

    [Fact]
    public void KeepsTheNewestTwoAndRestoresTheNewest()
    {
        using var model = new Model(1);
        for (int step = 0; step < 3; step++)
        {
            model.Step(step);
            TrainingCheckpoint.Save(temp.Path, new TrainingState { Step = step + 1, EmaUpdates = model.Loop.Ema!.Updates }, model.Group, model.Loop);
        }
        Assert.Equal(["step_0000003", "step_0000002"], TrainingCheckpoint.Complete(temp.Path).Select(Path.GetFileName));
        Assert.Empty(Directory.GetDirectories(temp.Path, ".*"));

        using var restored = new Model(2);
        var state = TrainingCheckpoint.LoadLatest(temp.Path, restored.Group, restored.Loop);
        Assert.Equal(3, state!.Step);
        Assert.Equal(3, restored.Loop.Ema!.Updates);
        TensorAssert.Close(model.Linear.weight!, restored.Linear.weight!, 0, "weights");
        model.Step(3);
        restored.Step(3);
        TensorAssert.Close(model.Linear.weight!, restored.Linear.weight!, 0, "weights one step later (optimizer state restored)");
    }

    [Fact]
    public void ADamagedNewestCheckpointFallsBackToThePreviousOne()
    {
        using var model = new Model(1);
        model.Step(0);
        TrainingCheckpoint.Save(temp.Path, new TrainingState { Step = 1 }, model.Group, model.Loop);
        model.Step(1);
        string newest = TrainingCheckpoint.Save(temp.Path, new TrainingState { Step = 2 }, model.Group, model.Loop);
        File.WriteAllBytes(Path.Combine(newest, "weights.safetensors"), [1, 2, 3]);

        using var restored = new Model(2);
        Assert.Equal(1, TrainingCheckpoint.LoadLatest(temp.Path, restored.Group, restored.Loop)!.Step);
    }

    [Fact]
    public void ARunWithoutCheckpointsStartsFromScratch()
    {
        using var model = new Model(1);
        Assert.Null(TrainingCheckpoint.LoadLatest(temp["none"], model.Group, model.Loop));
    }
}
