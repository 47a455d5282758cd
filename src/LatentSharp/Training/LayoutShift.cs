using static TorchSharp.torch;

namespace LatentSharp.Training;

/// <summary>
/// Hides the layout of an image from the noisiest training inputs. At timestep <see cref="From"/> and above (with a
/// probability rising linearly to 1 at <see cref="Full"/>) the noisy latent is made from the clean latent rolled by a
/// random offset, while the target still describes the clean latent where it is. Why: SD's schedule keeps √ᾱ₉₉₉ = 6.8%
/// of the clean latent at the noisiest step, so a U-Net learns to read where the shape is off the noisy input and, when
/// sampling from pure noise, draws it wherever the noise hints — the seed decides the layout, not the prompt (issue 12).
/// With the layout rolled away above <see cref="From"/>, the only thing there that says where the shape goes is the
/// caption; below it the input is left alone, so the U-Net still follows the layout its own first steps chose.
/// The roll wraps around, which suits images whose background is flat (the shapes data) and costs little elsewhere
/// at these noise levels. Off by default (no extra random draws, so older runs repeat exactly).
/// </summary>
public sealed record LayoutShift
{
    /// <summary>The least noisy timestep at which inputs may be shifted; null: never.</summary>
    public int? From { get; init; }

    /// <summary>The timestep from which every input is shifted; null: the last training timestep.</summary>
    public int? Full { get; init; }

    public bool IsOff => From is null;

    public LayoutShift Validate(int numTrainTimesteps = 1000)
    {
        if (From is not { } from) return Full is null ? this : throw new LatentSharpException("a layout shift's full timestep needs a start (--layout-shift-from)");
        if (from < 0 || from >= numTrainTimesteps)
            throw new LatentSharpException($"the layout shift must start at a training timestep, 0–{numTrainTimesteps - 1} (got {from})");
        if (Full is { } full && (full < from || full >= numTrainTimesteps))
            throw new LatentSharpException($"the layout shift's full timestep must lie between its start ({from}) and {numTrainTimesteps - 1} (got {full})");
        return this;
    }

    /// <summary>Probability that an input at each timestep 0 … count−1 is shifted.</summary>
    public Tensor Probabilities(int count)
    {
        var t = arange(count, ScalarType.Float64);
        if (From is not { } from) return zeros_like(t);
        int full = Full ?? count - 1;
        if (full == from) return (t >= from).to_type(ScalarType.Float64);
        return ((t - from + 1) / (full - from + 1)).clamp(0, 1);
    }

    /// <summary>
    /// The latents to noise: <paramref name="clean"/> [B, C, h, w] with the examples drawn for shifting rolled by a random
    /// offset of their own (uniform over the latent's positions). Draws from <paramref name="random"/> only when on.
    /// </summary>
    public Tensor Apply(Tensor clean, Tensor timesteps, int numTrainTimesteps, Generator random)
    {
        if (IsOff) return clean.alias();
        using var scope = NewDisposeScope();
        long batch = clean.shape[0], height = clean.shape[2], width = clean.shape[3];
        var shifted = rand([batch], ScalarType.Float64, generator: random) < Probabilities(numTrainTimesteps).index_select(0, timesteps);
        var rows = randint(0, height, [batch], generator: random);
        var columns = randint(0, width, [batch], generator: random);
        var flags = shifted.data<bool>().ToArray();
        var examples = new Tensor[batch];
        for (int i = 0; i < batch; i++)
            examples[i] = flags[i] ? clean[i].roll([rows[i].item<long>(), columns[i].item<long>()], [1, 2]) : clean[i];
        return stack(examples).MoveToOuterDisposeScope();
    }
}
