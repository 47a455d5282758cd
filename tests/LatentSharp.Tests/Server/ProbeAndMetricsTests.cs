using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LatentSharp.Server;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Server;

/// <summary>/health, /ready and /metrics, as Kubernetes probes and Prometheus use them.</summary>
[Collection(ServerCollection.Name)]
public class ProbeAndMetricsTests(ServerFixture fixture)
{
    [Fact]
    public async Task HealthAndReadyAnswerOkOnAnIdleServer()
    {
        await using var server = await fixture.StartAsync();
        var health = await server.GetOkAsync("health");
        Assert.Equal("alive", health.GetProperty("status").GetString());

        var ready = await server.GetOkAsync("ready");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(fixture.Pipeline.Model.Name, ready.GetProperty("model").GetString());
        Assert.Equal((0, 0, 16), (ready.GetProperty("running").GetInt32(), ready.GetProperty("queued").GetInt32(), ready.GetProperty("capacity").GetInt32()));
    }

    [Fact]
    public async Task ReadyTurns503WithRetryAfterWhileTheQueueIsFullAndBackWhenItEmpties()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxQueue = 1, MaxSteps = ServerFixture.LongSteps, RetryAfterSeconds = 9 });
        var running = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a", steps = ServerFixture.LongSteps, sampler_name = "Euler" });
        await server.WaitUntilRunningAsync();
        Assert.Equal(1, (await server.GetOkAsync("ready")).GetProperty("running").GetInt32());   // one running, room for one more

        var waiting = server.PostAsync("sdapi/v1/txt2img", new { prompt = "b", steps = 2 });
        await TestServer.WaitForAsync(() => server.Queue.Waiting == 1, "the second job to queue");
        using (var busy = await server.Http.GetAsync("ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(9), busy.Headers.RetryAfter?.Delta);
            var body = JsonDocument.Parse(await busy.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(("busy", 1, 1), (body.GetProperty("status").GetString(), body.GetProperty("queued").GetInt32(), body.GetProperty("capacity").GetInt32()));
        }
        // Alive all the same: a liveness probe must not restart a busy replica.
        await server.GetOkAsync("health");

        await server.PostOkAsync("sdapi/v1/interrupt", new { });
        (await running).Dispose();
        (await waiting).Dispose();
        await TestServer.WaitForAsync(() => !server.Queue.Running, "the worker to go idle");
        Assert.Equal("ready", (await server.GetOkAsync("ready")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task MetricsCountImagesStepsJobsErrorsAndRequestTimes()
    {
        await using var server = await fixture.StartAsync();
        await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a red circle", steps = 3, batch_size = 2, seed = 1, sampler_name = "Euler" });
        await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a green star", steps = 4, seed = 2, sampler_name = "Euler" });
        using (var bad = await server.PostAsync("sdapi/v1/txt2img", new { prompt = "x", steps = 0 }))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        await server.GetOkAsync("health");

        var metrics = await ScrapeAsync(server);
        Assert.Equal(3, metrics.Value("latentsharp_images_generated_total"));
        Assert.Equal(3 + 4, metrics.Value("latentsharp_steps_total"));
        // Every step of a run but its first is timed (the first holds the prompt encoding).
        Assert.Equal(2 + 3, metrics.Value("latentsharp_step_duration_seconds_count"));
        Assert.True(metrics.Value("latentsharp_step_duration_seconds_sum") > 0);
        Assert.Equal(2, metrics.Value("latentsharp_jobs_total", "outcome=\"completed\""));
        Assert.Equal(0, metrics.Value("latentsharp_jobs_total", "outcome=\"failed\""));
        Assert.Equal(1, metrics.Value("latentsharp_errors_total", "kind=\"bad_request\""));
        Assert.Equal(0, metrics.Value("latentsharp_errors_total", "kind=\"queue_full\""));
        Assert.Equal(2, metrics.Value("latentsharp_request_duration_seconds_count", "route=\"/sdapi/v1/txt2img\"", "status=\"200\""));
        Assert.Equal(1, metrics.Value("latentsharp_request_duration_seconds_count", "route=\"/sdapi/v1/txt2img\"", "status=\"400\""));
        Assert.Equal(1, metrics.Value("latentsharp_request_duration_seconds_count", "route=\"/health\"", "method=\"GET\""));
        Assert.Equal((0, 0, 16, 0), (metrics.Value("latentsharp_queue_length"), metrics.Value("latentsharp_running_jobs"),
            metrics.Value("latentsharp_queue_capacity"), metrics.Value("latentsharp_draining")));
        Assert.Equal(1, metrics.Value("latentsharp_model_info", $"model=\"{fixture.Pipeline.Model.Name}\""));
        Assert.True(metrics.Value("process_working_set_bytes") > 0);   // the process figures come along

        // The OpenAI endpoint counts the same way, under its own route.
        await server.PostOkAsync("v1/images/generations", new { prompt = "a blue square", n = 2, size = "64x64" });
        var after = await ScrapeAsync(server);
        Assert.Equal(5, after.Value("latentsharp_images_generated_total"));
        Assert.Equal(3, after.Value("latentsharp_jobs_total", "outcome=\"completed\""));
        Assert.Equal(1, after.Value("latentsharp_request_duration_seconds_count", "route=\"/v1/images/generations\"", "status=\"200\""));
        Assert.Equal(1, after.Value("latentsharp_request_duration_seconds_count", "route=\"/metrics\"", "status=\"200\""));
    }

    [Fact]
    public async Task MetricsShowTheRunningAndQueuedJobsAndAFullQueue()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxQueue = 1, MaxSteps = ServerFixture.LongSteps });
        var running = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a", steps = ServerFixture.LongSteps, sampler_name = "Euler" });
        await server.WaitUntilRunningAsync();
        var waiting = server.PostAsync("sdapi/v1/txt2img", new { prompt = "b", steps = 2 });
        await TestServer.WaitForAsync(() => server.Queue.Waiting == 1, "the second job to queue");
        using (var refused = await server.PostAsync("sdapi/v1/txt2img", new { prompt = "c", steps = 2 }))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);

        var during = await ScrapeAsync(server);
        Assert.Equal((1, 1), (during.Value("latentsharp_running_jobs"), during.Value("latentsharp_queue_length")));
        Assert.Equal(1, during.Value("latentsharp_errors_total", "kind=\"queue_full\""));
        Assert.True(during.Value("latentsharp_steps_total") >= 1);

        await server.PostOkAsync("sdapi/v1/interrupt", new { });
        (await running).Dispose();
        (await waiting).Dispose();
        await TestServer.WaitForAsync(() => !server.Queue.Running, "the worker to go idle");
        var after = await ScrapeAsync(server);
        Assert.Equal((0, 0), (after.Value("latentsharp_running_jobs"), after.Value("latentsharp_queue_length")));
        Assert.Equal((1, 1), (after.Value("latentsharp_jobs_total", "outcome=\"interrupted\""), after.Value("latentsharp_jobs_total", "outcome=\"completed\"")));
        // The interrupted job returns its partly denoised image, the second its own.
        Assert.Equal(2, after.Value("latentsharp_images_generated_total"));
    }

    [Fact]
    public async Task WithAnApiKeyTheProbesStayOpenAndMetricsNeedTheKey()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { ApiKey = "sesame" });
        await server.GetOkAsync("health");
        await server.GetOkAsync("ready");
        using (var refused = await server.Http.GetAsync("metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sesame");
        using var scraped = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        var metrics = new PrometheusText(await scraped.Content.ReadAsStringAsync());
        Assert.Equal(1, metrics.Value("latentsharp_errors_total", "kind=\"unauthorized\""));
    }

    [Fact]
    public async Task DrainingReleasesWaitingJobsRefusesNewOnesAndStopsTheRunningJobAfterTheGrace()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxQueue = 4, MaxSteps = ServerFixture.LongSteps, RetryAfterSeconds = 3 });
        var running = server.PostAsync("sdapi/v1/txt2img", new { prompt = "a", steps = ServerFixture.LongSteps, sampler_name = "Euler" });
        await server.WaitUntilRunningAsync();
        var waiting = server.PostAsync("sdapi/v1/txt2img", new { prompt = "b", steps = 2 });
        await TestServer.WaitForAsync(() => server.Queue.Waiting == 1, "the second job to queue");

        var draining = server.Queue.DrainAsync(TimeSpan.FromSeconds(1));
        using (var released = await waiting)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, released.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(3), released.Headers.RetryAfter?.Delta);
        }
        using (var refused = await server.PostAsync("sdapi/v1/txt2img", new { prompt = "c", steps = 2 }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("shutting down", await refused.Content.ReadAsStringAsync());
        }
        using (var ready = await server.Http.GetAsync("ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("draining", await ready.Content.ReadAsStringAsync());
        }

        Assert.False(await draining.WaitAsync(TimeSpan.FromSeconds(60)), "a 1000-step job cannot finish within a 1 s grace");
        using (var stopped = await running)
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stopped.StatusCode);
        var metrics = await ScrapeAsync(server);
        // Only the stopped job ran on the worker; all three requests were told to retry.
        Assert.Equal(1, metrics.Value("latentsharp_jobs_total", "outcome=\"cancelled\""));
        Assert.Equal(3, metrics.Value("latentsharp_errors_total", "kind=\"shutting_down\""));
        Assert.Equal(1, metrics.Value("latentsharp_draining"));
    }

    static async Task<PrometheusText> ScrapeAsync(TestServer server)
    {
        using var response = await server.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }
}
