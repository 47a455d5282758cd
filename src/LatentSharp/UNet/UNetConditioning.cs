using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>
/// What the U-Net receives besides the noisy latents and the timestep: the cross-attention context and, for
/// U-Nets with the <c>text_time</c> added embedding (SDXL), diffusers' <c>added_cond_kwargs</c> — the pooled
/// text embedding and the six size/crop numbers (original size, crop top-left, target size, as [h, w] pairs).
/// Batched along dim 0 like the latents it goes with; the record owns its tensors.
/// </summary>
/// <param name="EncoderHiddenStates">[B, T, cross_attention_dim] text encoder output(s).</param>
/// <param name="TextEmbeds">[B, P] pooled (projected) text embedding, or null.</param>
/// <param name="TimeIds">[B, 6] float32 micro-conditioning numbers, or null.</param>
public sealed record UNetConditioning(Tensor EncoderHiddenStates, Tensor? TextEmbeds = null, Tensor? TimeIds = null) : IDisposable
{
    public long BatchSize => EncoderHiddenStates.shape[0];

    public bool HasAddedConditions => TextEmbeds is not null && TimeIds is not null;

    /// <summary>The same conditioning with the text tensors in <paramref name="dtype"/>; time ids stay float32 (they feed sinusoids).</summary>
    public UNetConditioning To(ScalarType dtype) =>
        new(EncoderHiddenStates.to(dtype), TextEmbeds?.to(dtype), TimeIds?.alias());

    /// <summary>Each row repeated <paramref name="times"/> times as a block: [c ×times].</summary>
    public UNetConditioning Repeat(long times) => Map(t => t.repeat([times, .. Enumerable.Repeat(1L, (int)t.dim() - 1)]));

    /// <summary>[first; second] along the batch (classifier-free guidance puts the unconditional half first).</summary>
    public static UNetConditioning Concat(UNetConditioning first, UNetConditioning second)
    {
        if (first.HasAddedConditions != second.HasAddedConditions)
            throw new ArgumentException("cannot batch a conditioning with added conditions with one without");
        return new(cat([first.EncoderHiddenStates, second.EncoderHiddenStates], 0),
            first.TextEmbeds is null ? null : cat([first.TextEmbeds, second.TextEmbeds!], 0),
            first.TimeIds is null ? null : cat([first.TimeIds, second.TimeIds!], 0));
    }

    UNetConditioning Map(Func<Tensor, Tensor> f) =>
        new(f(EncoderHiddenStates), TextEmbeds is null ? null : f(TextEmbeds), TimeIds is null ? null : f(TimeIds));

    /// <summary>Keeps the tensors alive past the caller's dispose scope.</summary>
    public UNetConditioning MoveToOuterDisposeScope()
    {
        EncoderHiddenStates.MoveToOuterDisposeScope();
        TextEmbeds?.MoveToOuterDisposeScope();
        TimeIds?.MoveToOuterDisposeScope();
        return this;
    }

    public void Dispose()
    {
        EncoderHiddenStates.Dispose();
        TextEmbeds?.Dispose();
        TimeIds?.Dispose();
    }
}
