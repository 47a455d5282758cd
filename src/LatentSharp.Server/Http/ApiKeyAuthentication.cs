using System.Security.Cryptography;
using System.Text;
using LatentSharp.Server.Operations;

namespace LatentSharp.Server.Http;

/// <summary>
/// With an API key configured, every request must present it: <c>Authorization: Bearer KEY</c> (what OpenAI
/// clients send) or Basic auth with KEY as the password and any user name (AUTOMATIC1111's --api-auth style,
/// and what a browser asks for, so the web page works behind a key too). Anything else is a 401.
/// </summary>
internal static class ApiKeyAuthentication
{
    public static void UseApiKey(this WebApplication app, string key)
    {
        byte[] expected = Encoding.UTF8.GetBytes(key);
        app.Use(async (context, next) =>
        {
            if (OpenPaths.Contains(context.Request.Path.Value ?? "")
                || Presented(context.Request) is { } given && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected))
            {
                await next(context);
                return;
            }
            context.Response.Headers.Append("WWW-Authenticate", "Bearer");
            context.Response.Headers.Append("WWW-Authenticate", "Basic realm=\"LatentSharp\", charset=\"UTF-8\"");
            string message = context.Request.Headers.Authorization.Count == 0 ? "missing API key" : "wrong API key";
            context.RequestServices.GetRequiredService<ServerMetrics>().Error(ErrorKind.Unauthorized);
            await ErrorResponses.Write(context, StatusCodes.Status401Unauthorized, message, null);
        });
    }

    /// <summary>
    /// The probes answer without the key: a Kubernetes or load balancer probe carries no credentials, and they
    /// tell nothing but "alive" and "ready". /metrics stays behind the key (Prometheus sends it as a bearer token).
    /// </summary>
    static readonly HashSet<string> OpenPaths = new(StringComparer.OrdinalIgnoreCase) { "/health", "/ready" };

    /// <summary>The key a request presents, or null.</summary>
    static string? Presented(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is null) return null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header[7..].Trim();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            string credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            int colon = credentials.IndexOf(':');
            return colon < 0 ? null : credentials[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
