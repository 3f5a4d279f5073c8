using System.Text.Json;

namespace Credentials.DevHost;

/// <summary>The parts of the app's <c>host.json</c> the dev host honours.</summary>
internal static class HostJson
{
    private const string DefaultRoutePrefix = "api";

    public static string ReadRoutePrefix(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The app's host.json was not found at {path}; it is copied there by the build of functions/.", path);
        }

        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            && prefix.ValueKind == JsonValueKind.String
                ? prefix.GetString()!.Trim('/')
                : DefaultRoutePrefix;
    }
}
