using System.Net.Http.Json;
using System.Text.Json;
using LatentSharp.Server;

namespace LatentSharp.Tests.Server;

[Collection(ServerCollection.Name)]
public class ProgressAndInterruptTests(ServerFixture fixture)
{
    static ServerOptions LongJobs => new() { MaxSteps = ServerFixture.LongSteps };

    [Fact]
    public async Task ProgressReportsTheRunningStepWithAPreviewAndInterruptReturnsThePartlyDenoisedImage()
    {
        await using var server = await fixture.StartAsync(LongJobs);
        var job = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a cat", steps = ServerFixture.LongSteps, sampler_name = "Euler", seed = 5, force_task_id = "task-1" });
        await TestServer.WaitForAsync(() => server.Queue.Progress() is { Step: > 2, Preview: not null }, "a step with a preview");

        var progress = await server.GetOkAsync("sdapi/v1/progress");
        var state = progress.GetProperty("state");
        Assert.Equal("task-1", state.GetProperty("job").GetString());
        Assert.Equal(ServerFixture.LongSteps, state.GetProperty("sampling_steps").GetInt32());
        Assert.InRange(state.GetProperty("sampling_step").GetInt32(), 1, ServerFixture.LongSteps - 1);
        Assert.InRange(progress.GetProperty("progress").GetDouble(), 1e-4, 1);
        Assert.True(progress.GetProperty("eta_relative").GetDouble() > 0);
        var preview = TestServer.Image(progress.GetProperty("current_image"));
        Assert.Equal((64, 64), (preview.Width, preview.Height));
        var skipped = await server.GetOkAsync("sdapi/v1/progress?skip_current_image=true");
        Assert.Equal(JsonValueKind.Null, skipped.GetProperty("current_image").ValueKind);

        var interrupt = await server.PostOkAsync("sdapi/v1/interrupt", new { });
        Assert.Equal(JsonValueKind.Object, interrupt.ValueKind);
        Assert.Empty(interrupt.EnumerateObject());

        using var response = await job;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        var image = Assert.Single(body.GetProperty("images").EnumerateArray());
        Assert.Equal(5, TestServer.Parameters(image).Seed);
        Assert.Equal(64, TestServer.Image(image).Width);
    }

    [Fact]
    public async Task InternalProgressFollowsOneTaskFromQueueToCompletionWithNewerPreviewsOnly()
    {
        await using var server = await fixture.StartAsync(LongJobs);
        var blocker = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a", steps = ServerFixture.LongSteps, sampler_name = "Euler", force_task_id = "first" });
        await server.WaitUntilRunningAsync();
        var mine = server.PostAsync("sdapi/v1/txt2img", new { prompt = "b", steps = ServerFixture.LongSteps, sampler_name = "Euler", force_task_id = "second" });
        await TestServer.WaitForAsync(() => server.Queue.Waiting == 1, "the second job to queue");

        var queued = await server.PostOkAsync("internal/progress", new { id_task = "second", id_live_preview = -1 });
        Assert.True(queued.GetProperty("queued").GetBoolean());
        Assert.False(queued.GetProperty("active").GetBoolean());
        Assert.Equal(1, queued.GetProperty("queue_position").GetInt32());

        await server.PostOkAsync("sdapi/v1/interrupt", new { });
        (await blocker).Dispose();
        await TestServer.WaitForAsync(() => server.Queue.Progress() is { JobId: "second", Preview: not null }, "the second job's first preview");
        var active = await server.PostOkAsync("internal/progress", new { id_task = "second", id_live_preview = -1 });
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.StartsWith("data:image/png;base64,", active.GetProperty("live_preview").GetString());
        int previewId = active.GetProperty("id_live_preview").GetInt32();
        // Asking with the id of the newest preview returns no image unless a newer one was made meanwhile.
        var again = await server.PostOkAsync("internal/progress", new { id_task = "second", id_live_preview = previewId });
        Assert.True(again.GetProperty("live_preview").ValueKind == JsonValueKind.Null || again.GetProperty("id_live_preview").GetInt32() != previewId);

        await server.PostOkAsync("sdapi/v1/interrupt", new { });
        (await mine).Dispose();
        var done = await server.PostOkAsync("internal/progress", new { id_task = "second" });
        Assert.True(done.GetProperty("completed").GetBoolean());
        Assert.False(done.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task InterruptWithNothingRunningIsHarmless()
    {
        await using var server = await fixture.StartAsync();
        await server.PostOkAsync("sdapi/v1/interrupt", new { });
        var response = await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a cat", steps = 2, seed = 1 });
        Assert.Single(response.GetProperty("images").EnumerateArray());
    }
}
