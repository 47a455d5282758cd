using System.Net;
using System.Text.RegularExpressions;
using LatentSharp.Server;
using Microsoft.Playwright;

namespace LatentSharp.Tests.Server;

[Collection(ServerCollection.Name)]
public class WebPageTests(ServerFixture fixture)
{
    [Fact]
    public async Task ThePageAndItsAssetsAreServedByTheAppWithNothingFromOtherHosts()
    {
        await using var server = await fixture.StartAsync();
        using var page = await server.Http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();

        var references = Regex.Matches(html, @"(?:src|href)=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("app.js", references);
        Assert.Contains("app.css", references);
        foreach (var asset in references)
        {
            Assert.DoesNotContain("//", asset);
            using var response = await server.Http.GetAsync(asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
            string text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotMatch(@"(?:url\(|import |fetch\(|src=)\s*[""']?(?:https?:)?//", text);
        }
        using var missing = await server.Http.GetAsync("nothing-here.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task InChromiumAPromptAndAClickOnGenerateShowTheImageWithPreviewsOnTheWayAndReuseSeedFillsTheSeed()
    {
        await using var server = await fixture.StartAsync();
        await using var chromium = await SystemChromium.LaunchAsync();
        var page = chromium.Page;
        await page.GotoAsync(server.Server.Address.ToString());
        await page.WaitForFunctionAsync("document.querySelectorAll('#sampler_name option').length > 1");
        // Record whether a live preview was ever shown, however short the run.
        await page.EvaluateAsync("""
            () => {
                window.previewsSeen = 0;
                new MutationObserver(() => window.previewsSeen++).observe(document.getElementById('preview'), { attributes: true, attributeFilter: ['src'] });
            }
            """);

        await page.FillAsync("#prompt", "a red circle on a blue background");
        await page.FillAsync("#steps", "60");
        await page.FillAsync("#seed", "1234");
        await page.ClickAsync("#generate");

        await page.WaitForFunctionAsync("document.querySelector('#gallery img.result')?.naturalWidth === 64", null, new() { Timeout = 60_000 });
        Assert.True(await page.EvaluateAsync<int>("window.previewsSeen") > 0, "a live preview was shown while generating");
        string parameters = await page.TextContentAsync("#gallery .card-params") ?? "";
        Assert.Contains("Steps: 60", parameters);
        Assert.Contains("Seed: 1234", parameters);
        Assert.Equal("a red circle on a blue background", await page.TextContentAsync("#gallery .card-prompt"));

        await page.FillAsync("#seed", "-1");
        await page.ClickAsync("#gallery .reuse-seed");
        Assert.Equal("1234", await page.InputValueAsync("#seed"));
    }

    [Fact]
    public async Task InChromiumABadFieldIsShownNextToTheForm()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxSteps = 10 });
        await using var chromium = await SystemChromium.LaunchAsync();
        var page = chromium.Page;
        await page.GotoAsync(server.Server.Address.ToString());
        await page.FillAsync("#prompt", "a cat");
        await page.FillAsync("#steps", "20");
        await page.ClickAsync("#generate");

        await page.Locator("#error").WaitForAsync(new() { State = WaitForSelectorState.Visible });
        Assert.Contains("steps", await page.TextContentAsync("#error"));
        Assert.True(await page.EvaluateAsync<bool>("document.getElementById('steps').classList.contains('invalid')"));
    }
}
