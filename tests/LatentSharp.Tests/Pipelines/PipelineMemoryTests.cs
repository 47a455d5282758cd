using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;
using TorchSharp;

namespace LatentSharp.Tests.Pipelines;

[CollectionDefinition("Alone", DisableParallelization = true)]
public class AloneCollection;

/// <summary>
/// Sampling must not leak: native tensors stay flat step to step, and the process's resident memory
/// stays within 5% over 1000 consecutive steps. Runs alone so other tests' allocations don't count.
/// </summary>
[Collection("Alone")]
public class PipelineMemoryTests
{
    [Fact]
    public void AThousandSamplingStepsDoNotGrowMemory()
    {
        var pipeline = TinyPipelines.Sd1;
        var request = new GenerationRequest { Prompt = "a photo of a cat", Steps = 1000, Scheduler = "euler_a", Seed = 1 };
        pipeline.Generate(request with { Steps = 20 }).Dispose(); // warm-up: allocator pools, JIT

        var live = new Dictionary<int, long>();
        var rss = new Dictionary<int, long>();
        using (pipeline.Generate(request, step =>
               {
                   if (step.Step is 100 or 1000) { live[step.Step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount; rss[step.Step] = ProcessMemory.ResidentBytes(); }
               })) { }

        Assert.Equal(live[100], live[1000]);
        double growth = (double)(rss[1000] - rss[100]) / rss[100];
        Assert.True(growth < 0.05, $"RSS grew {growth:P1} from step 100 to 1000 ({rss[100] >> 20} → {rss[1000] >> 20} MB)");
    }
}
