using LatentSharp.Schedulers;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Schedulers;

/// <summary>Every addnoise_* fixture: the forward process (and the v-prediction target where diffusers has one).</summary>
public class AddNoiseParityTests
{
    public static IEnumerable<object[]> Cases => SchedulerCases.Named("add_noise");

    [Theory]
    [MemberData(nameof(Cases))]
    public void NoisySamplesMatch(string caseName)
    {
        var reference = Fixtures.Load(caseName);
        double atol = Fixtures.Atol(caseName);
        using var scheduler = SchedulerCases.Create(caseName);
        scheduler.SetTimesteps(10);
        // As the fixture was made: timesteps[[0, 4, 9]] of the scheduler's own schedule (k-diffusion samplers look
        // their σ up by exact timestep; a Karras float timestep may differ from the stored one in the last bits).
        using var timesteps = scheduler.Timesteps.index_select(0, tensor(new long[] { 0, 4, 9 }));
        var expectedTimesteps = reference["in.timesteps"];
        TensorAssert.Close(expectedTimesteps, timesteps, SchedulerCases.TimestepTolerance(expectedTimesteps), "timesteps");

        using var noisy = scheduler.AddNoise(reference["in.original_samples"], reference["in.noise"], timesteps);
        TensorAssert.Close(reference["out.noisy_samples"], noisy, atol, "noisy_samples");

        if (reference.TryGetValue("out.velocity", out var expectedVelocity))
        {
            var alphaBarScheduler = Assert.IsAssignableFrom<AlphaBarScheduler>(scheduler);
            using var velocity = alphaBarScheduler.GetVelocity(reference["in.original_samples"], reference["in.noise"], timesteps);
            TensorAssert.Close(expectedVelocity, velocity, atol, "velocity");
        }
    }
}
