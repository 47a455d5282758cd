using LatentSharp.Adapters;
using LatentSharp.Checkpoints;
using LatentSharp.Pipelines;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Adapters;

/// <summary>Embedding files (layouts, A1111 word and hash, refusals) and installing/removing them on a pipeline.</summary>
public class TextualInversionTests
{
    static string A1111 => Fixtures.Adapter("tiny-sd1-ti-a1111.safetensors");
    static string Diffusers => Fixtures.Adapter("tiny-sd1-ti-diffusers.safetensors");

    [Fact]
    public void TheWordIsTheFileNameAsInA1111()
    {
        using var a1111 = TextualInversionFile.Load(A1111);
        using var diffusers = TextualInversionFile.Load(Diffusers);
        Assert.Equal("tiny-sd1-ti-a1111", a1111.Word);
        Assert.Equal(2, a1111.VectorCount);
        Assert.Equal(1000, a1111.Step);
        Assert.Equal("tiny-sd1-ti-diffusers", diffusers.Word);
        Assert.Equal(1, diffusers.VectorCount);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(A1111))), a1111.Hash);
    }

    [Fact]
    public void EmbeddingsAddUpAndRemovingThemRestoresThePipeline()
    {
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        var baseIds = pipeline.Tokenizer.Encode("a photo of tiny-sd1-ti-a1111");
        using var a1111 = TextualInversionFile.Load(A1111);
        using var diffusers = TextualInversionFile.Load(Diffusers);
        pipeline.SetEmbeddings([a1111, diffusers]);
        Assert.Equal("a tiny-sd1-ti-a1111 tiny-sd1-ti-a1111_1 and tiny-sd1-ti-diffusers",
            pipeline.Embeddings!.ExpandPrompt("a tiny-sd1-ti-a1111 and tiny-sd1-ti-diffusers"));
        Assert.Equal([49406, 320, 49408, 49409, 537, 49410, 49407],
            pipeline.Tokenizer.Encode("a tiny-sd1-ti-a1111 tiny-sd1-ti-a1111_1 and tiny-sd1-ti-diffusers"));
        Assert.Equal(["tiny-sd1-ti-diffusers"], pipeline.Embeddings.UsedIn("x, tiny-sd1-ti-diffusers").Select(e => e.Word));
        // Case-sensitive, as diffusers matches added tokens.
        Assert.DoesNotContain(49408, pipeline.Tokenizer.Encode("TINY-SD1-TI-A1111"));

        pipeline.SetEmbeddings([]);
        Assert.Null(pipeline.Embeddings);
        Assert.Null(pipeline.Model.TextEncoder.AddedTokenRows);
        Assert.Equal(baseIds, pipeline.Tokenizer.Encode("a photo of tiny-sd1-ti-a1111"));
    }

    [Fact]
    public void AnEmbeddingOfAnotherWidthIsRefusedAndNothingChanges()
    {
        using var temp = new TempFolder();
        string path = temp["wide.safetensors"];
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["emb_params"] = zeros(3, 768) });
        using var wide = TextualInversionFile.Load(path);
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        var error = Assert.Throws<LatentSharpException>(() => pipeline.SetEmbeddings([wide]));
        Assert.Equal($"{path}: an embedding of width 768 does not fit a text encoder of width 32", error.Message);
        Assert.Null(pipeline.Embeddings);
    }

    [Fact]
    public void AWordTakenTwiceIsRefused()
    {
        using var a = TextualInversionFile.Load(Diffusers, "style");
        using var b = TextualInversionFile.Load(A1111, "style");
        using var pipeline = StableDiffusionPipeline.Load(Fixtures.TinySd1);
        Assert.Contains("the word 'style' is already taken", Assert.Throws<LatentSharpException>(() => pipeline.SetEmbeddings([a, b])).Message);
    }

    public static TheoryData<string, Dictionary<string, Tensor>, string> BadFiles => new()
    {
        { "two terms", new() { ["a"] = zeros(4), ["b"] = zeros(4) }, "is not a textual-inversion embedding (expected one tensor, emb_params, or clip_l + clip_g; it has 2: a, b)" },
        { "3-d", new() { ["emb_params"] = zeros(1, 2, 4) }, "emb_params has shape [1, 2, 4]; an embedding is [D] or [vectors, D]" },
        { "too many vectors", new() { ["emb_params"] = zeros(80, 4) }, "emb_params holds 80 vectors; a prompt chunk holds at most 75" },
        { "NaN", new() { ["emb_params"] = full(2, 4, float.PositiveInfinity) }, "emb_params contains NaN or infinite values" },
        { "integers", new() { ["emb_params"] = zeros(2, 4, dtype: ScalarType.Int64) }, "emb_params is I64, not a floating-point tensor" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFilesAreRefusedInOneLine(string what, Dictionary<string, Tensor> tensors, string expected)
    {
        using var temp = new TempFolder();
        string path = temp["bad.safetensors"];
        SafetensorsWriter.Write(path, tensors);
        var error = Assert.Throws<CheckpointException>(() => TextualInversionFile.Load(path));
        Assert.True(error.Message == $"{path}: {expected}", $"{what}: {error.Message}");
    }

    [Theory]
    [InlineData("style.pt")]
    [InlineData("learned_embeds.bin")]
    public void PickledEmbeddingsAreRefusedUnopenedWithTheConversion(string name)
    {
        using var temp = new TempFolder();
        string path = temp[name];
        File.WriteAllBytes(path, [0x50, 0x4b, 0x03, 0x04]);
        var error = Assert.Throws<CheckpointException>(() => TextualInversionFile.Load(path));
        Assert.Contains("pickle", error.Message);
        Assert.Contains("string_to_param", error.Message);
        Assert.Contains($"'{Path.GetFileNameWithoutExtension(name)}.safetensors'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
