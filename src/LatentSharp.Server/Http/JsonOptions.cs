using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.Server.Http;

/// <summary>The JSON conventions of both APIs: snake_case names, as AUTOMATIC1111 and OpenAI spell them.</summary>
internal static class JsonOptions
{
    public static readonly JsonSerializerOptions Api = Configure(new JsonSerializerOptions());

    /// <summary>Applies the conventions to <paramref name="options"/> (also ASP.NET's own, for endpoints that return objects).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.PropertyNameCaseInsensitive = true;
        // Python clients send 7 as well as 7.0, and sometimes numbers as strings.
        options.NumberHandling = JsonNumberHandling.AllowReadingFromString;
        // Responses are JSON, never embedded in HTML: no need to escape '+' (base64) or quotes as \uXXXX.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
