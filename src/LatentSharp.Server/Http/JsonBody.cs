using System.Text.Json;

namespace LatentSharp.Server.Http;

/// <summary>
/// Reads a request's JSON body into a DTO; malformed JSON and wrong types become 400s naming the field.
/// Any Content-Type is accepted, as curl's default form type is a common mistake with JSON APIs.
/// </summary>
internal static class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request) where T : class
    {
        var value = await JsonSerializer.DeserializeAsync<T>(request.Body, JsonOptions.Api, request.HttpContext.RequestAborted);
        return value ?? throw ApiException.BadRequest("body", "expected a JSON object");
    }
}
