using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace LatentSharp.Server.Web;

/// <summary>
/// Serves the web page's files from resources embedded in this assembly (wwwroot/), so the app needs nothing
/// beside its DLL and never refers to a CDN. "/" is index.html; each file carries an ETag for revalidation.
/// </summary>
internal static class EmbeddedAssets
{
    const string Prefix = "wwwroot/";

    sealed record Asset(byte[] Content, string ContentType, string ETag);

    public static void MapEmbeddedAssets(this WebApplication app)
    {
        var assets = Load();
        app.MapGet("/", (HttpContext http) => Serve(http, assets["index.html"]));
        app.MapGet("/{file}", (HttpContext http, string file) =>
            assets.TryGetValue(file, out var asset) ? Serve(http, asset) : Results.NotFound());
    }

    static Dictionary<string, Asset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var types = new FileExtensionContentTypeProvider();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            byte[] content = memory.ToArray();
            string file = name[Prefix.Length..];
            string type = types.TryGetContentType(file, out var t) ? t : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal) || type.EndsWith("javascript", StringComparison.Ordinal)) type += "; charset=utf-8";
            assets[file] = new Asset(content, type, $"\"{Convert.ToHexString(SHA256.HashData(content))[..16]}\"");
        }
        if (!assets.ContainsKey("index.html")) throw new InvalidOperationException("the web page (wwwroot/index.html) is not embedded in the server assembly");
        return assets;
    }

    static IResult Serve(HttpContext http, Asset asset)
    {
        http.Response.Headers.ETag = asset.ETag;
        http.Response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
