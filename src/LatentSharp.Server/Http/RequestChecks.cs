using LatentSharp.Imaging;
using LatentSharp.Schedulers;

namespace LatentSharp.Server.Http;

/// <summary>
/// Field checks shared by both APIs, against the server's limits. Each failure is a 400 that names the field,
/// raised before the job is queued, so a bad request costs no generation time.
/// </summary>
internal sealed class RequestChecks(ServerOptions limits)
{
    /// <summary>Seeds stay below 2^53 so the web page's JavaScript numbers hold them exactly.</summary>
    public const long MaxSeed = (1L << 53) - 1;

    public int Steps(int steps, string field = "steps") =>
        steps >= 1 && steps <= limits.MaxSteps ? steps : throw Bad(field, $"must be between 1 and {limits.MaxSteps} (got {steps})");

    public int? Width(int? width, string field = "width") => Side(width, limits.MaxWidth, field);
    public int? Height(int? height, string field = "height") => Side(height, limits.MaxHeight, field);

    static int? Side(int? value, int max, string field) => value switch
    {
        null => null,
        var v when v < 8 || v > max || v % 8 != 0 => throw Bad(field, $"must be a multiple of 8 between 8 and {max} (got {v})"),
        var v => v,
    };

    public double Guidance(double scale, string field = "cfg_scale") =>
        double.IsFinite(scale) && scale >= 0 && scale <= 100 ? scale : throw Bad(field, $"must be between 0 and 100 (got {scale})");

    public int Images(int count, string field) =>
        count >= 1 && count <= limits.MaxImages ? count : throw Bad(field, $"must be between 1 and {limits.MaxImages} images (got {count})");

    /// <summary>−1 (or absent) picks a random seed, as AUTOMATIC1111 does.</summary>
    public static long Seed(long? seed, int images, string field = "seed") => seed switch
    {
        null or -1 => Random.Shared.NextInt64(0, uint.MaxValue),
        >= 0 and var s when s <= MaxSeed - images => s,
        var s => throw Bad(field, $"must be -1 (random) or between 0 and {MaxSeed - images} (got {s})"),
    };

    /// <summary>Our sampler name for an AUTOMATIC1111 name ("Euler a", "DPM++ 2M Karras", ...); null keeps the model's own.</summary>
    public static string? Sampler(string? name, string field = "sampler_name")
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        return SamplerNames.FromA1111(name.Trim()) is { } ours && SchedulerFactory.Names.Contains(ours)
            ? ours
            : throw Bad(field, $"unknown sampler '{name}' (valid: {string.Join(", ", SamplerNames.A1111Names)})");
    }

    /// <summary>An image sent as base64, with or without a <c>data:image/...;base64,</c> prefix.</summary>
    public RgbImage Image(string? base64, string field)
    {
        if (string.IsNullOrWhiteSpace(base64)) throw Bad(field, "is empty");
        int comma = base64.StartsWith("data:", StringComparison.Ordinal) ? base64.IndexOf(',') : -1;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64[(comma + 1)..]);
        }
        catch (FormatException)
        {
            throw Bad(field, "is not valid base64");
        }
        try
        {
            return ImageReader.Decode(bytes, field, limits.MaxUploadSide);
        }
        catch (LatentSharpException e)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, e.Message, field);
        }
    }

    public static ApiException Bad(string field, string message) => ApiException.BadRequest(field, message);
}
