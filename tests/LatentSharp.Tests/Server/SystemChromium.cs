using LatentSharp.Tests.Support;
using Microsoft.Playwright;

namespace LatentSharp.Tests.Server;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium) driven through Playwright, one fresh page per test. Playwright's driver
/// (Node and playwright-core) comes in its NuGet package and Chromium from the system, so nothing is downloaded:
/// the tests run offline. A missing Chromium is installed where the tests may (<see cref="SystemPackages"/>), else
/// fails the test with the command that installs it.
/// </summary>
public sealed class SystemChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    readonly IPlaywright playwright;
    readonly IBrowser browser;

    public IPage Page { get; }

    SystemChromium(IPlaywright playwright, IBrowser browser, IPage page)
    {
        this.playwright = playwright;
        this.browser = browser;
        Page = page;
    }

    public static async Task<SystemChromium> LaunchAsync()
    {
        SystemPackages.Ensure("chromium", () => File.Exists(ExecutablePath), "the web page tests");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                // Root in a container has no user namespace for Chromium's sandbox; the page is our own, on loopback.
                ChromiumSandbox = false,
                Args = ["--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
            // The machine is shared and a generation may wait in the queue: a generous default wait.
            page.SetDefaultTimeout(30_000);
            return new SystemChromium(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await browser.CloseAsync();
        playwright.Dispose();
    }
}
