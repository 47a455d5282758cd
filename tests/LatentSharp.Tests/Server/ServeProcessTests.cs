using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LatentSharp.Tests.Support;

namespace LatentSharp.Tests.Server;

/// <summary>`sd serve` as the real process an orchestrator runs: SIGTERM while a job runs.</summary>
[Collection(ServerCollection.Name)]
public class ServeProcessTests
{
    [Fact]
    public async Task SigtermDuringAJobLetsItFinishRefusesNewWorkAndExitsZero()
    {
        // A grace far beyond the job's length, so a loaded machine cannot turn "finish" into "stop" (the next test
        // covers a job that outlasts its grace).
        using var sd = SdProcess.Start("serve", "--model", Fixtures.TinySd1, "--port", "0", "--max-steps", "1000", "--shutdown-grace", "600");
        var address = await sd.WaitForServingAsync();
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(600) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("ready")).StatusCode);

        // ≈ 7 s on an idle machine: long enough to be caught running.
        var job = http.PostAsJsonAsync("sdapi/v1/txt2img", new { prompt = "a red circle", steps = 150, sampler_name = "Euler", seed = 5 });
        await WaitForAsync(async () => (await Json(http, "sdapi/v1/progress")).GetProperty("state").GetProperty("sampling_step").GetInt32() > 0,
            "the job to start");

        sd.Signal(SdProcess.SIGTERM);
        await WaitForAsync(async () => (await http.GetAsync("ready")).StatusCode == HttpStatusCode.ServiceUnavailable, "/ready to turn 503");
        using (var refused = await http.PostAsJsonAsync("sdapi/v1/txt2img", new { prompt = "too late", steps = 2 }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.Contains("shutting down", await refused.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health")).StatusCode);

        using var finished = await job;
        string body = await finished.Content.ReadAsStringAsync();
        Assert.True(finished.StatusCode == HttpStatusCode.OK, $"{(int)finished.StatusCode} {body}\n{sd.Transcript()}");
        Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("images").EnumerateArray());

        Assert.Equal(0, await sd.WaitForExitAsync(60));
        // Structured request lines on stderr, one per request, with the route and status.
        Assert.Contains(sd.StandardError, l => l.Contains("POST /sdapi/v1/txt2img 200") && l.Contains("route=/sdapi/v1/txt2img"));
        Assert.Contains(sd.StandardError, l => l.Contains("POST /sdapi/v1/txt2img 503"));
        Assert.Contains(sd.StandardError, l => l.Contains("the running job finished"));
    }

    [Fact]
    public async Task SigtermStopsAJobThatOutlastsTheGraceAndStillExitsZeroWithJsonLogs()
    {
        using var sd = SdProcess.Start("serve", "--model", Fixtures.TinySd1, "--port", "0", "--max-steps", "1000",
            "--shutdown-grace", "1", "--log-format", "json");
        var address = await sd.WaitForServingAsync();
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(120) };
        var job = http.PostAsJsonAsync("sdapi/v1/txt2img", new { prompt = "a red circle", steps = 1000, sampler_name = "Euler" });
        await WaitForAsync(async () => (await Json(http, "sdapi/v1/progress")).GetProperty("state").GetProperty("sampling_step").GetInt32() > 0,
            "the job to start");

        sd.Signal(SdProcess.SIGTERM);
        using var stopped = await job;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stopped.StatusCode);
        Assert.NotNull(stopped.Headers.RetryAfter);
        Assert.Equal(0, await sd.WaitForExitAsync(60));

        // Every stderr line is one JSON object; the request's carries its fields.
        var entries = sd.StandardError.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(entries);
        var request = entries.Single(e => e.GetProperty("Category").GetString() == "LatentSharp.Requests"
            && e.GetProperty("State").GetProperty("Path").GetString() == "/sdapi/v1/txt2img");
        var state = request.GetProperty("State");
        Assert.Equal(("POST", 503, "/sdapi/v1/txt2img"), (state.GetProperty("Method").GetString(), state.GetProperty("Status").GetInt32(), state.GetProperty("Route").GetString()));
        Assert.True(state.GetProperty("DurationMs").GetDouble() > 0);
        Assert.Contains(entries, e => e.GetProperty("Message").GetString() == "the running job was stopped after the grace period");
    }

    static async Task<JsonElement> Json(HttpClient http, string path) =>
        JsonDocument.Parse(await http.GetStringAsync(path)).RootElement.Clone();

    static async Task WaitForAsync(Func<Task<bool>> condition, string what, double seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what} after {seconds} s");
            await Task.Delay(25);
        }
    }
}
