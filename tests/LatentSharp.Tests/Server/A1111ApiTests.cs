using System.Text.Json;
using LatentSharp.Imaging;
using LatentSharp.Schedulers;

namespace LatentSharp.Tests.Server;

[Collection(ServerCollection.Name)]
public class A1111ApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task Txt2ImgReturnsPngsWithTheirParametersAndA1111Info()
    {
        await using var server = await fixture.StartAsync();
        var response = await server.PostOkAsync("sdapi/v1/txt2img", new
        {
            prompt = "a red cube", negative_prompt = "blurry", steps = 3, cfg_scale = 5, seed = 100, sampler_name = "Euler a",
            batch_size = 2, n_iter = 2, width = 64, height = 48,
        });

        var images = response.GetProperty("images").EnumerateArray().ToList();
        Assert.Equal(4, images.Count);
        var info = TestServer.Info(response);
        Assert.Equal(new long[] { 100, 101, 102, 103 }, info.GetProperty("all_seeds").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal(100, info.GetProperty("seed").GetInt64());
        Assert.All(info.GetProperty("all_prompts").EnumerateArray(), p => Assert.Equal("a red cube", p.GetString()));
        Assert.Equal(("Euler a", 64, 48, 2, 3), (info.GetProperty("sampler_name").GetString(), info.GetProperty("width").GetInt32(),
            info.GetProperty("height").GetInt32(), info.GetProperty("batch_size").GetInt32(), info.GetProperty("steps").GetInt32()));
        var infotexts = info.GetProperty("infotexts").EnumerateArray().Select(t => t.GetString()!).ToList();
        for (int i = 0; i < 4; i++)
        {
            var image = TestServer.Image(images[i]);
            Assert.Equal((64, 48), (image.Width, image.Height));
            var stored = TestServer.Parameters(images[i]);
            Assert.Equal(infotexts[i], stored.Format());
            Assert.Equal((100L + i, "blurry", "Euler a", 5.0), (stored.Seed!.Value, stored.NegativePrompt, stored.Sampler, stored.CfgScale!.Value));
        }
        Assert.Equal(2, response.GetProperty("parameters").GetProperty("n_iter").GetInt32());
    }

    [Fact]
    public async Task EachIterationRunsAtItsSeedSoImageIIsReproducedAloneFromSeedPlusI()
    {
        await using var server = await fixture.StartAsync();
        var request = new Dictionary<string, object> { ["prompt"] = "a blue ball", ["steps"] = 4, ["seed"] = 7, ["n_iter"] = 3 };
        var all = await server.PostOkAsync("sdapi/v1/txt2img", request);
        request["seed"] = 9;
        request["n_iter"] = 1;
        var third = await server.PostOkAsync("sdapi/v1/txt2img", request);

        Assert.Equal(TestServer.Png(all.GetProperty("images")[2]), TestServer.Png(third.GetProperty("images")[0]));
    }

    [Fact]
    public async Task SeedMinusOneIsRandomAndReportedSoTheImageCanBeMadeAgain()
    {
        await using var server = await fixture.StartAsync();
        var first = await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a cat", steps = 3, seed = -1 });
        var second = await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a cat", steps = 3 });
        long seed = TestServer.Info(first).GetProperty("seed").GetInt64();
        Assert.NotEqual(seed, TestServer.Info(second).GetProperty("seed").GetInt64());
        Assert.Equal(-1, first.GetProperty("parameters").GetProperty("seed").GetInt64());   // the request as sent, as A1111 echoes it

        var again = await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a cat", steps = 3, seed });
        Assert.Equal(TestServer.Png(first.GetProperty("images")[0]), TestServer.Png(again.GetProperty("images")[0]));
    }

    [Fact]
    public async Task Img2ImgAndInpaintingTakeBase64ImagesWithOrWithoutADataUrlPrefix()
    {
        await using var server = await fixture.StartAsync();
        var start = await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "a cat", steps = 2, seed = 1 });
        string init = start.GetProperty("images")[0].GetString()!;
        var mask = new RgbImage(64, 64);
        for (int y = 16; y < 48; y++)
            for (int x = 16; x < 48; x++) mask[x, y] = new Rgb(255, 255, 255);
        string maskBase64 = "data:image/png;base64," + Convert.ToBase64String(PngWriter.Encode(mask));

        var img2img = await server.PostOkAsync("sdapi/v1/img2img", new
        {
            prompt = "a dog", init_images = new[] { init }, denoising_strength = 0.5, steps = 4, seed = 3,
        });
        var inpaint = await server.PostOkAsync("sdapi/v1/img2img", new
        {
            prompt = "a dog", init_images = new[] { "data:image/png;base64," + init }, mask = maskBase64, mask_blur = 2,
            denoising_strength = 0.9, steps = 4, seed = 3,
        });

        Assert.Equal(0.5, TestServer.Info(img2img).GetProperty("denoising_strength").GetDouble());
        Assert.Equal(0.5, TestServer.Parameters(img2img.GetProperty("images")[0]).DenoisingStrength);
        Assert.Equal(JsonValueKind.Null, img2img.GetProperty("parameters").GetProperty("init_images").ValueKind);
        Assert.Equal(0.9, TestServer.Parameters(inpaint.GetProperty("images")[0]).DenoisingStrength);
        Assert.NotEqual(TestServer.Png(img2img.GetProperty("images")[0]), TestServer.Png(inpaint.GetProperty("images")[0]));
    }

    [Fact]
    public async Task SamplersAndModelsAreListedInA1111Form()
    {
        await using var server = await fixture.StartAsync();
        var samplers = (await server.GetOkAsync("sdapi/v1/samplers")).EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Subset(samplers.ToHashSet(), new HashSet<string?> { "Euler a", "Euler", "DPM++ 2M", "DPM++ 2M Karras", "DDIM", "PLMS", "LMS", "Heun", "UniPC", "LCM" });
        Assert.Equal(SamplerNames.A1111Names, samplers);

        var model = Assert.Single((await server.GetOkAsync("sdapi/v1/sd-models")).EnumerateArray());
        Assert.Equal("tiny-sd1", model.GetProperty("model_name").GetString());
        Assert.Equal("tiny-sd1", model.GetProperty("title").GetString());
    }

    [Fact]
    public async Task EverySamplerNameRunsAndIsRecordedInTheImage()
    {
        await using var server = await fixture.StartAsync();
        foreach (var name in new[] { "Euler a", "Euler", "DPM++ 2M", "DPM++ 2M Karras", "DDIM", "PLMS", "LMS", "Heun", "UniPC", "LCM" })
        {
            var response = await server.PostOkAsync("sdapi/v1/txt2img", new { prompt = "x", steps = 2, seed = 1, sampler_name = name });
            Assert.Equal(name, TestServer.Parameters(response.GetProperty("images")[0]).Sampler);
        }
    }
}
