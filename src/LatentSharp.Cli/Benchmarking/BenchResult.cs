using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.Cli.Benchmarking;

/// <summary>
/// One configuration's measurements (model × size × precision × threads), written as one JSON object.
/// Times are medians in seconds with the minimum beside them; GFLOP/s use the medians and the config-walked
/// FLOP counts. Parts not run are null and left out of the JSON.
/// </summary>
public sealed record BenchResult
{
    public required string Model { get; init; }
    public required int Size { get; init; }
    public required string Precision { get; init; }
    public required string PrecisionRequested { get; init; }
    public required int Threads { get; init; }
    public int? VaeTile { get; init; }
    public required int Repeats { get; init; }
    public required int Steps { get; init; }

    /// <summary>Guidance scale of the end-to-end image (7.5 unless asked otherwise; ≤ 1 runs one U-Net pass per step).</summary>
    public double Guidance { get; init; } = 7.5;
    public required double LoadS { get; init; }
    public required double WeightsMb { get; init; }

    public double? TextEncodeS { get; init; }
    public double? TextEncodeMinS { get; init; }
    public double? TextEncodeGflops { get; init; }
    public double? UnetPassB1S { get; init; }
    public double? UnetPassB1MinS { get; init; }
    public double? UnetPassB2S { get; init; }
    public double? UnetPassB2MinS { get; init; }
    public double? UnetPassB2CpuS { get; init; }
    public double? UnetPassB2KernelS { get; init; }
    public double? UnetPassB2Gflops { get; init; }
    public double? UnetPassTflopB1 { get; init; }
    /// <summary>A sampling step inside `sd generate` (guided unless the guidance is ≤ 1): median and min over the runs' steps.</summary>
    public double? StepS { get; init; }
    public double? StepMinS { get; init; }
    public double? SchedulerStepMs { get; init; }
    public double? VaeDecodeS { get; init; }
    public double? VaeDecodeMinS { get; init; }
    public double? VaeDecodeGflops { get; init; }
    public double? VaeEncodeS { get; init; }
    public double? VaeEncodeMinS { get; init; }
    public double? VaeEncodeGflops { get; init; }
    public double? ImageS { get; init; }
    public double? ImageMinS { get; init; }

    /// <summary>Peak resident memory of the text-to-image runs alone (weights included), when the peak could be reset.</summary>
    public double? ImagePeakRssMb { get; init; }

    /// <summary>Peak resident memory of the whole child process: building or loading the model and every part measured.</summary>
    public required double PeakRssMb { get; init; }

    public required string LoadAverage { get; init; }

    /// <summary>The processor model and its oneDNN-relevant instruction sets (<see cref="HostProcessor"/>); absent in results from before it was recorded.</summary>
    public string? Cpu { get; init; }

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BenchResult FromJson(string line) =>
        JsonSerializer.Deserialize<BenchResult>(line, Json) ?? throw new JsonException("empty benchmark result");
}
