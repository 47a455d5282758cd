namespace LatentSharp.Server.Http;

/// <summary>A request the server refuses, with its HTTP status and, for bad input, the request field at fault.</summary>
public sealed class ApiException(int status, string message, string? field = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Field { get; } = field;

    public static ApiException BadRequest(string field, string message) => new(StatusCodes.Status400BadRequest, $"{field}: {message}", field);
}
