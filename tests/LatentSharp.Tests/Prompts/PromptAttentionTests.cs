using LatentSharp.Prompts;

namespace LatentSharp.Tests.Prompts;

/// <summary>
/// The emphasis parser on a table of prompts: AUTOMATIC1111's own documented examples (prompt_parser.py's doctest)
/// and nested, unbalanced, escaped, zero and negative weights, BREAK in and out of brackets — each expectation what
/// A1111's parse_prompt_attention returns for it (weights compared exactly: the products are computed in the same order).
/// </summary>
public class PromptAttentionTests
{
    public static TheoryData<string, (string, double)[]> Table => new()
    {
        { "normal text", [("normal text", 1.0)] },
        { "an (important) word", [("an ", 1.0), ("important", 1.1), (" word", 1.0)] },
        { "(unbalanced", [("unbalanced", 1.1)] },
        { @"\(literal\]", [("(literal]", 1.0)] },
        { "(unnecessary)(parens)", [("unnecessaryparens", 1.1)] },
        { "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
            [("a ", 1.0), ("house", 1.5730000000000004), (" ", 1.1), ("on", 1.0), (" a ", 1.1), ("hill", 0.55), (", sun, ", 1.1),
             ("sky", 1.4641000000000006), (".", 1.1)] },
        { "(a:0)", [("a", 0.0)] },
        { "(a:-1.5) b", [("a", -1.5), (" b", 1.0)] },
        { "[[a]]", [("a", 0.8264462809917354)] },
        { "((a) b:1.5) [c", [("a", 1.6500000000000001), (" b", 1.5), (" ", 1.0), ("c", 0.9090909090909091)] },
        { "(a: 2 ) b", [("a", 2.0), (" b", 1.0)] },
        { "(red:1.3) circle, ((blue)) background", [("red", 1.3), (" circle, ", 1.0), ("blue", 1.2100000000000002), (" background", 1.0)] },
        { "a BREAK b", [("a", 1.0), ("BREAK", -1), ("b", 1.0)] },
        { "a BREAK BREAK b", [("a", 1.0), ("BREAK", -1), ("", 1.0), ("BREAK", -1), ("b", 1.0)] },
        { "(a BREAK b)", [("a", 1.1), ("BREAK", -1.1), ("b", 1.1)] },
        { "BREAKFAST BREAK", [("BREAKFAST", 1.0), ("BREAK", -1), ("", 1.0)] },
        { @"a\\b", [(@"a\b", 1.0)] },
        { @"a\b", [("ab", 1.0)] },
        { "x:1.5)", [("x:1.5)", 1.0)] },
        { "[a:1.5)", [("a:1.5)", 0.9090909090909091)] },
        { "(a:1.2.3", [("a:1.2.3", 1.1)] },
        { "a:b", [("a:b", 1.0)] },
        { ")", [(")", 1.0)] },
        { "", [("", 1.0)] },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void ParsesAsAutomatic1111(string prompt, (string, double)[] expected)
    {
        var parsed = PromptAttention.Parse(prompt).Select(r => (r.Text, r.Weight)).ToArray();
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void OnlyABreakOutsideBracketsIsABreak()
    {
        Assert.True(PromptAttention.Parse("a BREAK b")[1].IsBreak);
        Assert.False(PromptAttention.Parse("(a BREAK b)")[1].IsBreak);
    }

    [Fact]
    public void AMalformedWeightInsideBracketsIsAOneLineError()
    {
        var error = Assert.Throws<LatentSharpException>(() => PromptAttention.Parse("(a:1.2.3)"));
        Assert.Equal("prompt: ':1.2.3)' is not a weight (write a number such as :1.2)", error.Message);
    }
}
