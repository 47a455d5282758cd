using System.Text.Json;
using LatentSharp.Server.Operations;
using LatentSharp.Server.Queue;
using Microsoft.AspNetCore.Diagnostics;

namespace LatentSharp.Server.Http;

/// <summary>
/// Turns every failure into a JSON error with the right status: bad input 400 naming the field, too large a
/// body 413, a full queue or a server shutting down 503 with Retry-After, and only a bug 500 (which ASP.NET logs).
/// OpenAI routes (/v1/...) get OpenAI's error shape, which its SDKs read; the rest get <c>{"error", "detail", "field"}</c>.
/// Each is counted in the metrics by kind.
/// </summary>
internal static class ErrorResponses
{
    public static void UseJsonErrors(this WebApplication app, ServerOptions options) =>
        app.UseExceptionHandler(handler => handler.Run(context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var (status, message, field) = Describe(error, options);
            context.RequestServices.GetRequiredService<ServerMetrics>().Error(KindOf(error, status));
            if (status == StatusCodes.Status503ServiceUnavailable)
                context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString();
            return Write(context, status, message, field);
        }));

    public static Task Write(HttpContext context, int status, string message, string? field)
    {
        context.Response.StatusCode = status;
        object body = IsOpenAIRoute(context)
            ? new { error = new { message, type = OpenAIType(status), param = field, code = (string?)null } }
            : new { error = ReasonPhrase(status), detail = message, field };
        return context.Response.WriteAsJsonAsync(body, JsonOptions.Api);
    }

    static (int Status, string Message, string? Field) Describe(Exception? error, ServerOptions options) => error switch
    {
        ApiException api => (api.Status, api.Message, api.Field),
        QueueFullException full => (StatusCodes.Status503ServiceUnavailable, full.Message, null),
        ServerStoppingException stopping => (StatusCodes.Status503ServiceUnavailable, stopping.Message, null),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, $"request body is larger than {options.MaxBodyBytes} bytes", "body"),
        BadHttpRequestException bad => (bad.StatusCode, bad.Message, "body"),
        JsonException json => (StatusCodes.Status400BadRequest, JsonMessage(json), FieldOf(json)),
        LatentSharpException user => (StatusCodes.Status400BadRequest, user.Message, null),
        // The client's own disconnects never get here (ASP.NET drops those); this is the queue shutting down.
        OperationCanceledException => (StatusCodes.Status503ServiceUnavailable, "the server is shutting down", null),
        _ => (StatusCodes.Status500InternalServerError, "internal server error", null),
    };

    static ErrorKind KindOf(Exception? error, int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ErrorKind.Unauthorized,
        StatusCodes.Status413PayloadTooLarge => ErrorKind.TooLarge,
        StatusCodes.Status503ServiceUnavailable => error is QueueFullException ? ErrorKind.QueueFull : ErrorKind.ShuttingDown,
        >= 500 => ErrorKind.Internal,
        _ => ErrorKind.BadRequest,
    };

    /// <summary>"$.init_images[0]" → "init_images".</summary>
    static string? FieldOf(JsonException e)
    {
        if (e.Path is not { Length: > 2 } path || !path.StartsWith("$.")) return "body";
        var name = path[2..];
        int cut = name.IndexOfAny(['.', '[']);
        return cut < 0 ? name : name[..cut];
    }

    static string JsonMessage(JsonException e) => FieldOf(e) is { } field && field != "body"
        ? $"{field}: wrong type, or malformed JSON"
        : $"body: not a valid JSON object ({e.Message.Split('.')[0]})";

    static bool IsOpenAIRoute(HttpContext context) => context.Request.Path.StartsWithSegments("/v1");

    static string OpenAIType(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status503ServiceUnavailable => "server_busy",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
