using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// The training data of a latent diffusion model — cached latents with their captions' token ids, in a run's
/// <see cref="DataOrder"/> — and how one batch is drawn from it: the examples (mirrored copies at random when
/// flipping), a latent from each posterior, a timestep (see <see cref="TimestepBias"/>) and noise (see <see cref="MultiresNoise"/>) each, captions replaced by the empty prompt at
/// the dropout rate (what makes classifier-free guidance possible) and, if asked, the noisiest inputs' latents rolled away
/// (see <see cref="LayoutShift"/>). The draws come in this fixed order from the step's generator, so a resumed run repeats them exactly. The caller keeps ownership of the tensors.
/// </summary>
internal sealed record CaptionedLatents(LatentCache Latents, DataOrder Order, Tensor TokenIds, Tensor EmptyPromptIds, int Originals,
    double ScalingFactor)
{
    /// <returns>The noised latents z_t, the network's target (ε or v), the timesteps and the batch's token ids.</returns>
    public (Tensor Noisy, Tensor Target, Tensor Timesteps, Tensor Ids) Draw(long batchIndex, int batch, bool randomFlip,
        double captionDropout, DiffusionObjective objective, Generator random, TimestepBias? bias = null, MultiresNoise? noiseKind = null,
        LayoutShift? shift = null)
    {
        var indices = Order.Batch(batchIndex, batch);
        if (randomFlip) indices = indices + (rand([batch], generator: random) < 0.5).to_type(ScalarType.Int64) * Originals;
        var clean = Latents.Sample(indices, random) * ScalingFactor;
        var timesteps = (bias ?? new TimestepBias()).Draw(objective.NumTrainTimesteps, batch, random);
        var noise = (noiseKind ?? new MultiresNoise()).Draw(clean.shape, random);
        var dropped = (rand([batch], generator: random) < captionDropout).unsqueeze(1);
        var ids = where(dropped, EmptyPromptIds, TokenIds.index_select(0, indices));
        using var noised = shift is { IsOff: false } ? shift.Apply(clean, timesteps, objective.NumTrainTimesteps, random) : null;
        var (noisy, target) = objective.Corrupt(clean, noise, timesteps, noised);
        return (noisy, target, timesteps, ids);
    }
}
