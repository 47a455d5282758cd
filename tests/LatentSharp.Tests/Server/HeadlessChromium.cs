using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LatentSharp.Tests.Server;

/// <summary>
/// Debian's Chromium driven over the DevTools protocol (a WebSocket, no extra dependency): one page, with
/// navigation, script evaluation, real mouse clicks and typed text. A missing Chromium fails the test.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    readonly Process process;
    readonly DirectoryInfo profile;
    readonly ClientWebSocket socket = new();
    readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    readonly CancellationTokenSource closing = new();
    Task? receiving;
    int nextId;

    HeadlessChromium(Process process, DirectoryInfo profile)
    {
        this.process = process;
        this.profile = profile;
    }

    [GeneratedRegex(@"DevTools listening on (ws://[^\s]+)")]
    private static partial Regex ListeningLine();

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing: install it (apt-get install -y chromium); the web page test needs it");
        var profile = Directory.CreateTempSubdirectory("ls-chromium-");
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--remote-debugging-port=0", $"--user-data-dir={profile.FullName}",
            "--window-size=1280,900", "about:blank",
        }) start.ArgumentList.Add(arg);

        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ListeningLine().Match(line) is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
        };
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var browser = new HeadlessChromium(process, profile);
        try
        {
            var browserUrl = new Uri(await listening.Task.WaitAsync(TimeSpan.FromSeconds(30)));
            await browser.ConnectToPageAsync(browserUrl);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    async Task ConnectToPageAsync(Uri browserUrl)
    {
        using var http = new HttpClient();
        var targets = JsonDocument.Parse(await http.GetStringAsync($"http://{browserUrl.Authority}/json/list")).RootElement;
        var page = targets.EnumerateArray().First(t => t.GetProperty("type").GetString() == "page");
        await socket.ConnectAsync(new Uri(page.GetProperty("webSocketDebuggerUrl").GetString()!), CancellationToken.None);
        receiving = Task.Run(ReceiveAsync);
    }

    /// <summary>Sends one DevTools command and returns its result.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null)
    {
        int id = Interlocked.Increment(ref nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = reply;
        byte[] message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        await socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
        var response = await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (response.TryGetProperty("error", out var error)) throw new InvalidOperationException($"{method}: {error}");
        return response.GetProperty("result");
    }

    async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var part = await socket.ReceiveAsync(buffer, closing.Token);
                if (part.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage) continue;
                var json = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                message.SetLength(0);
                // Events (no id) are not needed: the tests poll the page's state.
                if (json.TryGetProperty("id", out var id) && pending.TryRemove(id.GetInt32(), out var reply)) reply.TrySetResult(json);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new { url = url.ToString() });
        await WaitForAsync("document.readyState === 'complete'", "the page to load");
    }

    /// <summary>Evaluates a JavaScript expression in the page (awaiting a promise) and returns its JSON value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var exception)) throw new InvalidOperationException($"{expression}: {exception}");
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    public async Task WaitForAsync(string condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while ((await EvaluateAsync($"Boolean({condition})")).ValueKind != JsonValueKind.True)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what} after {seconds} s");
            await Task.Delay(50);
        }
    }

    /// <summary>A left click at the centre of the element, as a user's mouse would do it.</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvaluateAsync($$"""
            (() => { const e = document.querySelector({{JsonValue.Create(selector).ToJsonString()}}); e.scrollIntoView({block: 'center'});
                     const r = e.getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()
            """);
        double x = box.GetProperty("x").GetDouble(), y = box.GetProperty("y").GetDouble();
        foreach (var type in new[] { "mousePressed", "mouseReleased" })
            await SendAsync("Input.dispatchMouseEvent", new { type, x, y, button = "left", clickCount = 1 });
    }

    /// <summary>Focuses the element, selects what it holds, and types <paramref name="text"/> over it.</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await EvaluateAsync($"(() => {{ const e = document.querySelector({JsonValue.Create(selector).ToJsonString()}); e.focus(); e.select(); }})()");
        await SendAsync("Input.insertText", new { text });
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var shot = await SendAsync("Page.captureScreenshot", new { format = "png" });
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        closing.Cancel();
        if (socket.State == WebSocketState.Open)
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
        if (receiving != null) await receiving;
        socket.Dispose();
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        closing.Dispose();
        try
        {
            profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Chromium's helpers may still be releasing files; the temp folder is cleaned by the system.
        }
    }
}
