using LatentSharp.Imaging;

namespace LatentSharp.Tests.Imaging;

public class CaptionTextTests
{
    const string Prompt = "a large red circle in the center on a blue background";

    [Fact]
    public void WrapsAtSpacesToTheWidthInPixelsAndKeepsEveryWordWhenThereIsRoom()
    {
        using var text = new CaptionText(12, Rgb.Black);
        var lines = text.Wrap(Prompt, 100, maxLines: 10);
        Assert.True(lines.Count >= 3);
        Assert.All(lines, line => Assert.True(text.Measure(line) <= 100, $"'{line}' is {text.Measure(line)} px"));
        Assert.Equal(Prompt, string.Join(' ', lines));
        // Each line is as full as it can be: the next line's first word would not have fitted.
        for (int i = 0; i + 1 < lines.Count; i++)
            Assert.True(text.Measure(lines[i] + " " + lines[i + 1].Split(' ')[0]) > 100);
    }

    [Fact]
    public void TextThatNeedsMoreLinesEndsWithAnEllipsis()
    {
        using var text = new CaptionText(12, Rgb.Black);
        var lines = text.Wrap(Prompt, 100, maxLines: 2);
        Assert.Equal(2, lines.Count);
        Assert.EndsWith("…", lines[1]);
        Assert.All(lines, line => Assert.True(text.Measure(line) <= 100));
        Assert.Empty(text.Wrap(Prompt, 100, maxLines: 0));
    }

    [Fact]
    public void AWordWiderThanALineIsCutBetweenLetters()
    {
        using var text = new CaptionText(12, Rgb.Black);
        var lines = text.Wrap(new string('w', 60), 50, maxLines: 20);
        Assert.True(lines.Count > 3);
        Assert.All(lines, line => Assert.True(text.Measure(line) <= 50));
        Assert.Equal(new string('w', 60), string.Concat(lines));
    }

    [Fact]
    public void LargerTypeMeasuresWiderAndTaller()
    {
        using var small = new CaptionText(10, Rgb.Black);
        using var large = new CaptionText(20, Rgb.Black);
        Assert.InRange(large.Measure(Prompt) / small.Measure(Prompt), 1.7, 2.3);
        Assert.True(large.LineHeight > small.LineHeight);
    }
}
