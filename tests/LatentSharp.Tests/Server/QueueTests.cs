using System.Net;
using System.Text.Json;
using LatentSharp.Server;

namespace LatentSharp.Tests.Server;

[Collection(ServerCollection.Name)]
public class QueueTests(ServerFixture fixture)
{
    [Fact]
    public async Task EightConcurrentRequestsReturnTheSameImagesAsOneAtATime()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxQueue = 8 });
        object Request(int i) => new { prompt = $"shape number {i}", steps = 3, seed = 1000 + 17 * i, sampler_name = i % 2 == 0 ? "Euler a" : "DPM++ 2M" };

        var alone = new List<byte[]>();
        for (int i = 0; i < 8; i++)
            alone.Add(TestServer.Png((await server.PostOkAsync("sdapi/v1/txt2img", Request(i))).GetProperty("images")[0]));
        var together = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
            TestServer.Png((await server.PostOkAsync("sdapi/v1/txt2img", Request(i))).GetProperty("images")[0])));

        for (int i = 0; i < 8; i++) Assert.Equal(alone[i], together[i]);
        Assert.Equal(8, alone.Select(Convert.ToBase64String).Distinct().Count());
    }

    [Fact]
    public async Task AFullQueueAnswers503WithRetryAfter()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxQueue = 1, MaxSteps = ServerFixture.LongSteps, RetryAfterSeconds = 7 });
        var running = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a", steps = ServerFixture.LongSteps, sampler_name = "Euler" });
        await server.WaitUntilRunningAsync();
        var waiting = server.PostAsync("sdapi/v1/txt2img", new { prompt = "b", steps = 2 });
        await TestServer.WaitForAsync(() => server.Queue.Waiting == 1, "the second job to queue");

        using var refused = await server.PostAsync("sdapi/v1/txt2img", new { prompt = "c", steps = 2 });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("queue is full", error.GetProperty("detail").GetString());

        await server.PostOkAsync("sdapi/v1/interrupt", new { });
        using var first = await running;
        using var second = await waiting;
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
    }

    [Fact]
    public async Task AClientThatDisconnectsWhileQueuedIsDroppedFromTheQueue()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxQueue = 4, MaxSteps = ServerFixture.LongSteps });
        var running = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a", steps = ServerFixture.LongSteps, sampler_name = "Euler" });
        await server.WaitUntilRunningAsync();
        using var leaving = new CancellationTokenSource();
        var abandoned = server.PostAsync("sdapi/v1/txt2img", new { prompt = "b", steps = 2 }, leaving.Token);
        await TestServer.WaitForAsync(() => server.Queue.Waiting == 1, "the second job to queue");
        Assert.Equal(1, (await server.GetOkAsync("sdapi/v1/progress")).GetProperty("state").GetProperty("queued").GetInt32());

        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await TestServer.WaitForAsync(() => server.Queue.Waiting == 0, "the abandoned job to leave the queue", seconds: 10);
        Assert.True(server.Queue.Progress().Active, "the running job goes on");

        await server.PostOkAsync("sdapi/v1/interrupt", new { });
        using var first = await running;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
    }

    [Fact]
    public async Task AClientThatDisconnectsWhileItsJobRunsStopsIt()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxSteps = ServerFixture.LongSteps });
        using var leaving = new CancellationTokenSource();
        var abandoned = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a", steps = ServerFixture.LongSteps, sampler_name = "Euler" }, leaving.Token);
        await server.WaitUntilRunningAsync();

        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await TestServer.WaitForAsync(() => !server.Queue.Progress().Active, "the worker to drop the job", seconds: 10);
    }
}
