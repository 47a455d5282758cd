using LatentSharp.Pipelines;
using LatentSharp.Tests.Pipelines;
using LatentSharp.Tests.Support;
using static TorchSharp.torch;

namespace LatentSharp.Tests.Prompts;

/// <summary>
/// A1111's chunking and emphasis on tiny-sd1 (real CLIP vocabulary): chunk layout, BREAK, the comma backtrack,
/// long prompts, and the weighted output against the formula computed here from the unweighted encoding.
/// </summary>
public class WeightedPromptEncoderTests
{
    static StableDiffusionPipeline Pipeline => TinyPipelines.Sd1;
    static WeightedPromptEncoder Encoder => new(Pipeline.Tokenizer, Pipeline.Model.TextEncoder);
    const int Bos = 49406, Eos = 49407;

    [Fact]
    public void AShortPlainPromptIsOneChunkAndEncodesExactlyAsThePlainEncoder()
    {
        const string prompt = "a photo of a cat, highly detailed";
        var chunks = Encoder.Chunks(prompt);
        var chunk = Assert.Single(chunks);
        Assert.Equal(Pipeline.Tokenizer.EncodeForModel(prompt).InputIds, chunk.Ids);
        Assert.All(chunk.Multipliers, m => Assert.Equal(1f, m));
        using var plain = new PromptEncoder(Pipeline.Tokenizer, Pipeline.Model.TextEncoder).Encode(prompt);
        using var weighted = Encoder.Encode(prompt);
        Assert.True(TensorAssert.BitEqual(plain, weighted));
    }

    [Fact]
    public void TheEmptyPromptIsOneChunkOfPadding()
    {
        var chunk = Assert.Single(Encoder.Chunks(""));
        Assert.Equal([Bos, .. Enumerable.Repeat(Eos, 76)], chunk.Ids);
    }

    [Fact]
    public void WeightsGoToTheirTokensOnly()
    {
        var chunk = Assert.Single(Encoder.Chunks("a (red:1.5) [circle]"));
        int[] a = Pipeline.Tokenizer.Encode("a")[1..^1], red = Pipeline.Tokenizer.Encode("red")[1..^1], circle = Pipeline.Tokenizer.Encode("circle")[1..^1];
        Assert.Equal([Bos, .. a, .. red, .. circle, Eos], chunk.Ids.Take(2 + a.Length + red.Length + circle.Length));
        Assert.Equal(1f, chunk.Multipliers[1]);
        Assert.Equal(1.5f, chunk.Multipliers[2]);
        Assert.Equal((float)(1 / 1.1), chunk.Multipliers[3]);
        Assert.All(chunk.Multipliers.Skip(4), m => Assert.Equal(1f, m));
    }

    [Fact]
    public void BreakStartsANewChunk()
    {
        var chunks = Encoder.Chunks("a cat BREAK a dog");
        Assert.Equal(2, chunks.Count);
        Assert.Equal(Pipeline.Tokenizer.EncodeForModel("a cat").InputIds, chunks[0].Ids);
        Assert.Equal(Pipeline.Tokenizer.EncodeForModel("a dog").InputIds, chunks[1].Ids);
    }

    [Fact]
    public void LongPromptsAreChunkedNotTruncated()
    {
        // 100 single-token words: 75 in the first chunk, 25 in the second.
        string prompt = string.Join(" ", Enumerable.Repeat("cat", 100));
        var chunks = Encoder.Chunks(prompt);
        Assert.Equal(2, chunks.Count);
        Assert.Equal(77, chunks[0].Ids.Length);
        Assert.Equal(Eos, chunks[0].Ids[76]);
        Assert.Equal(75, chunks[0].Ids.Count(i => i == 2368));
        Assert.Equal(25, chunks[1].Ids.Count(i => i == 2368));
        using var encoded = Encoder.Encode(prompt);
        Assert.Equal(new long[] { 1, 154, 32 }, encoded.shape);
    }

    [Fact]
    public void AFullChunkMovesTheWordsAfterItsLastCommaToTheNext()
    {
        // 70 words, a comma, then 10 more words: the chunk fills at 75, the comma is 5 tokens back, so the 4 words
        // after it move to chunk 2 (A1111's comma_padding_backtrack, 20).
        string prompt = string.Join(" ", Enumerable.Repeat("cat", 70)) + ", " + string.Join(" ", Enumerable.Repeat("dog", 10));
        var chunks = Encoder.Chunks(prompt);
        Assert.Equal(2, chunks.Count);
        Assert.Equal(70, chunks[0].Ids.Count(i => i == 2368));
        Assert.Equal(267, chunks[0].Ids[71]);
        Assert.Equal(Eos, chunks[0].Ids[72]);
        int dog = Pipeline.Tokenizer.Encode("dog")[1];
        Assert.Equal(10, chunks[1].Ids.Count(i => i == dog));
    }

    [Fact]
    public void EmphasisMultipliesAndRestoresTheMean()
    {
        const string prompt = "a (red:1.5) circle on a [[blue]] background";
        var chunk = Assert.Single(Encoder.Chunks(prompt));
        using var ids = tensor(chunk.Ids.Select(i => (long)i).ToArray(), [1, 77]);
        using var _ = no_grad();
        // The formula by hand, in float64, from the unweighted output of the same ids.
        using var z = Pipeline.Model.TextEncoder.PromptEmbeddings(ids).to_type(ScalarType.Float64);
        using var m = tensor(chunk.Multipliers.Select(f => (double)f).ToArray(), [1, 77, 1], ScalarType.Float64);
        using var weighted = z * m;
        using var expected = weighted * (z.mean() / weighted.mean());
        using var actual = Encoder.Encode(prompt);
        TensorAssert.Close(expected, actual, 1e-5, "weighted embeddings");
        Assert.False(TensorAssert.BitEqual(z.to_type(ScalarType.Float32), actual));
        Assert.Equal(z.mean().item<double>(), actual.to_type(ScalarType.Float64).mean().item<double>(), 5);
    }

    [Fact]
    public void PromptAndNegativeOfDifferentLengthsArePaddedWithTheEmptyPrompt()
    {
        string longPrompt = string.Join(" ", Enumerable.Repeat("cat", 100));
        using var context = Encoder.EncodeBatch(longPrompt, "blurry", 2, guidance: true);
        Assert.Equal(new long[] { 4, 154, 32 }, context.shape);
        using var empty = Encoder.Encode("");
        using var negative = Encoder.Encode("blurry");
        TensorAssert.Close(negative[0], context[0].narrow(0, 0, 77), 0, "negative chunk");
        TensorAssert.Close(empty[0], context[0].narrow(0, 77, 77), 0, "padding chunk");
    }
}
