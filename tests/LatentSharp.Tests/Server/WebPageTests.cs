using System.Net;
using System.Text.RegularExpressions;
using LatentSharp.Server;

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
        await using var browser = await HeadlessChromium.LaunchAsync();
        await browser.NavigateAsync(server.Server.Address);
        await browser.WaitForAsync("document.querySelectorAll('#sampler_name option').length > 1", "the sampler list");
        // Record whether a live preview was ever shown, however short the run.
        await browser.EvaluateAsync("""
            window.previewsSeen = 0;
            new MutationObserver(() => window.previewsSeen++).observe(document.getElementById('preview'), { attributes: true, attributeFilter: ['src'] });
            """);

        await browser.TypeAsync("#prompt", "a red circle on a blue background");
        await browser.TypeAsync("#steps", "60");
        await browser.TypeAsync("#seed", "1234");
        await browser.ClickAsync("#generate");

        await browser.WaitForAsync("document.querySelector('#gallery img.result')?.naturalWidth === 64", "the generated image in the gallery", seconds: 60);
        Assert.True((await browser.EvaluateAsync("window.previewsSeen")).GetInt32() > 0, "a live preview was shown while generating");
        string parameters = (await browser.EvaluateAsync("document.querySelector('#gallery .card-params').textContent")).GetString()!;
        Assert.Contains("Steps: 60", parameters);
        Assert.Contains("Seed: 1234", parameters);
        Assert.Equal("a red circle on a blue background", (await browser.EvaluateAsync("document.querySelector('#gallery .card-prompt').textContent")).GetString());

        await browser.TypeAsync("#seed", "-1");
        await browser.ClickAsync("#gallery .reuse-seed");
        Assert.Equal("1234", (await browser.EvaluateAsync("document.getElementById('seed').value")).GetString());
    }

    [Fact]
    public async Task InChromiumABadFieldIsShownNextToTheForm()
    {
        await using var server = await fixture.StartAsync(new ServerOptions { MaxSteps = 10 });
        await using var browser = await HeadlessChromium.LaunchAsync();
        await browser.NavigateAsync(server.Server.Address);
        await browser.TypeAsync("#prompt", "a cat");
        await browser.TypeAsync("#steps", "20");
        await browser.ClickAsync("#generate");

        await browser.WaitForAsync("!document.getElementById('error').hidden", "the error message");
        Assert.Contains("steps", (await browser.EvaluateAsync("document.getElementById('error').textContent")).GetString());
        Assert.True((await browser.EvaluateAsync("document.getElementById('steps').classList.contains('invalid')")).GetBoolean());
    }
}
