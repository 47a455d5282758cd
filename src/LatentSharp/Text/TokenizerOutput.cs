namespace LatentSharp.Text;

/// <summary>
/// A prompt encoded for a text encoder of fixed length.
/// </summary>
/// <param name="InputIds">BOS, the prompt's tokens, EOS, then pad ids up to the model length.</param>
/// <param name="AttentionMask">1 for BOS, the tokens and EOS; 0 for padding.</param>
/// <param name="TruncatedIds">The prompt tokens that did not fit (BOS + all but the last slot + EOS are kept).</param>
/// <param name="TruncatedText">Those tokens decoded, for the warning diffusers prints
/// ("The following part of your input was truncated ..."); empty when nothing was cut.</param>
public sealed record TokenizerOutput(int[] InputIds, int[] AttentionMask, int[] TruncatedIds, string TruncatedText)
{
    public bool WasTruncated => TruncatedIds.Length > 0;
}
