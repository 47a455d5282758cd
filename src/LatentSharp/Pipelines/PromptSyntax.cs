namespace LatentSharp.Pipelines;

/// <summary>How a prompt is read.</summary>
public enum PromptSyntax
{
    /// <summary>As diffusers reads it: the text as it is, cut to the encoder's 77 tokens (what the parity references use).</summary>
    Plain,

    /// <summary>
    /// As AUTOMATIC1111 reads it: (emphasis) and [de-emphasis], (text:weight), \( \) literals, BREAK, prompts of any
    /// length in chunks of 75 tokens, and &lt;lora:NAME:SCALE&gt; tags (removed from the text, applied to the model).
    /// </summary>
    A1111,
}
