using LatentSharp.Hub;

namespace LatentSharp.Tests.Hub;

public class HubIdTests
{
    [Theory]
    [InlineData("stabilityai/sd-turbo", "stabilityai", "sd-turbo", "main")]
    [InlineData("runwayml/stable-diffusion-v1-5@fp16", "runwayml", "stable-diffusion-v1-5", "fp16")]
    [InlineData("org/name@refs/pr/3", "org", "name", "refs/pr/3")]
    [InlineData("a.b_c/D-1.5@0123456789abcdef0123456789abcdef01234567", "a.b_c", "D-1.5", "0123456789abcdef0123456789abcdef01234567")]
    public void ParsesOrgNameAndRevision(string text, string owner, string name, string revision) =>
        Assert.Equal(new HubModelId(owner, name, revision), HubModelId.Parse(text));

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("models/shapes/unet")]
    [InlineData("/abs/path")]
    [InlineData("./org/name")]
    [InlineData("org/../name")]
    [InlineData("org--x/name")]
    [InlineData("org/name@")]
    [InlineData("org/name@../../etc")]
    [InlineData("C:\\models\\x")]
    public void RefusesWhatIsNotAnId(string text) => Assert.False(HubModelId.TryParse(text, out _));

    [Fact]
    public void AnExistingLocalFolderIsAPathNotAnId()
    {
        Assert.True(HubModelId.TryParse("models/shapes", out _));
        Assert.False(HubModels.IsHubId("models/shapes", Support.Fixtures.RepoRoot));
        Assert.True(HubModels.IsHubId("stabilityai/sd-turbo", Support.Fixtures.RepoRoot));
    }

    [Fact]
    public void TheCacheAndEndpointComeFromTheVariablesEveryHuggingFaceToolReads()
    {
        var env = new Dictionary<string, string> { ["HF_HOME"] = "/data/hf" };
        var settings = HubSettings.FromVariables(env.GetValueOrDefault);
        Assert.Equal(("/data/hf/hub", HubSettings.DefaultEndpoint + "/", false), (settings.CacheDirectory, settings.Endpoint.ToString(), settings.Offline));

        env["HF_HUB_CACHE"] = "/cache";
        env["HF_ENDPOINT"] = "http://mirror.local:8080/";
        env["HF_HUB_OFFLINE"] = "1";
        env["HF_TOKEN"] = "hf_x";
        settings = HubSettings.FromVariables(env.GetValueOrDefault);
        Assert.Equal(("/cache", "http://mirror.local:8080/", true, "hf_x"), (settings.CacheDirectory, settings.Endpoint.ToString(), settings.Offline, settings.Token));

        env["HF_ENDPOINT"] = "ftp://x";
        Assert.Throws<LatentSharpException>(() => HubSettings.FromVariables(env.GetValueOrDefault));
    }

    [Fact]
    public void TheSavedLoginTokenIsUsedWhenHfTokenIsUnset()
    {
        using var home = new Support.TempFolder();
        File.WriteAllText(home["token"], "hf_saved\n");
        var settings = HubSettings.FromVariables(new Dictionary<string, string> { ["HF_HOME"] = home.Path }.GetValueOrDefault);
        Assert.Equal("hf_saved", settings.Token);
    }
}
