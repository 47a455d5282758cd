using TorchSharp;
using static TorchSharp.torch;

namespace LatentSharp.UNet;

/// <summary>
/// Sinusoidal timestep features (the transformer's positional encoding applied to t), computed in float32:
/// frequency_i = exp(−ln(10000)·i / (half − freq_shift)), features [sin(t·f), cos(t·f)], or [cos, sin]
/// with flip_sin_to_cos.
/// </summary>
public sealed class Timesteps : nn.Module<Tensor, Tensor>
{
    const double MaxPeriod = 10000;
    readonly long channels;
    readonly bool flipSinToCos;
    readonly double freqShift;

    public Timesteps(long channels, bool flipSinToCos, double freqShift) : base(nameof(Timesteps))
    {
        this.channels = channels;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
        RegisterComponents();
    }

    /// <param name="timesteps">[B] timesteps of any numeric dtype.</param>
    /// <returns>[B, channels] float32.</returns>
    public override Tensor forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        long half = channels / 2;
        // Same operation order as diffusers, so the float32 roundings agree.
        var exponent = arange(0, half, dtype: ScalarType.Float32, device: timesteps.device) * -Math.Log(MaxPeriod);
        exponent = exponent / (half - freqShift);
        var angles = timesteps.unsqueeze(1).to_type(ScalarType.Float32) * exponent.exp().unsqueeze(0);
        var features = flipSinToCos ? cat([angles.cos(), angles.sin()], -1) : cat([angles.sin(), angles.cos()], -1);
        if (channels % 2 == 1) features = nn.functional.pad(features, [0, 1, 0, 0]);
        return features.MoveToOuterDisposeScope();
    }
}
