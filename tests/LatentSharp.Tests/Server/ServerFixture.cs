using LatentSharp.Pipelines;
using LatentSharp.Server;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Server;

/// <summary>
/// The server tests share one tiny-sd1 pipeline and run one after another (a pipeline runs one generation at a
/// time); each test starts its own in-process server on a free loopback port with the options it needs.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "Server";
}

public sealed class ServerFixture : IDisposable
{
    public StableDiffusionPipeline Pipeline { get; } = StableDiffusionPipeline.Load(Fixtures.TinySd1);

    /// <summary>
    /// Steps for a job that stays busy long enough to be watched, queued behind or interrupted (≈ 45 s at 64×64;
    /// the tests interrupt it). Such jobs use Euler: PLMS, tiny-sd1's own sampler, fails at 1000 steps.
    /// </summary>
    public const int LongSteps = 1000;

    public Task<TestServer> StartAsync(ServerOptions? options = null) =>
        TestServer.StartAsync(Pipeline, (options ?? new ServerOptions()) with { Host = "127.0.0.1", Port = 0, LogFormat = ServerLogFormat.None });

    public void Dispose() => Pipeline.Dispose();
}
