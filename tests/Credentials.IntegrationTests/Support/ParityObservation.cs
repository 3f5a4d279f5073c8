using System.Text;
using System.Text.Json;

namespace Credentials.Tests.Support;

/// <summary>
/// What must agree between the two hosts for one answer: status, content type, Cache-Control, WWW-Authenticate, Allow,
/// the problem <c>code</c>, the body's shape (property names and value kinds, not values), the redirect's target without
/// its per-request values, and which headers are present.
/// </summary>
internal sealed record ParityObservation(
    int Status,
    string? ContentType,
    string? CacheControl,
    string? WwwAuthenticate,
    string? Allow,
    string? ProblemCode,
    string BodyShape,
    string? Location,
    string HeaderNames)
{
    // Connection-level and per-response values that say nothing about the app's answer.
    private static readonly HashSet<string> IgnoredHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "date", "server", "transfer-encoding", "content-length", "connection", "keep-alive",
    };

    public static async Task<ParityObservation> OfAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        var contentType = response.Content.Headers.ContentType?.ToString();
        string? code = null;
        string shape;
        if (body.Length == 0)
        {
            shape = "empty";
        }
        else if (contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var document = JsonDocument.Parse(body);
            shape = ShapeOf(document.RootElement);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out var problemCode))
            {
                code = problemCode.GetString();
            }
        }
        else
        {
            shape = contentType ?? "unknown";
        }

        var headers = response.Headers.Select(h => h.Key).Concat(response.Content.Headers.Select(h => h.Key))
            .Where(name => !IgnoredHeaders.Contains(name)).Select(name => name.ToLowerInvariant()).Order(StringComparer.Ordinal);
        return new ParityObservation(
            (int)response.StatusCode,
            contentType,
            response.Headers.CacheControl?.ToString(),
            string.Join(", ", response.Headers.WwwAuthenticate),
            string.Join(", ", response.Content.Headers.Allow),
            code,
            shape,
            LocationShape(response.Headers.Location),
            string.Join(' ', headers));
    }

    /// <summary>A redirect's target with the host's own port and the query's values left out.</summary>
    private static string? LocationShape(Uri? location)
    {
        if (location is null)
        {
            return null;
        }

        var absolute = location.IsAbsoluteUri ? location : new Uri(new Uri("http://relative/"), location);
        var query = ConnectStack.QueryOf(absolute).Keys.Order(StringComparer.Ordinal);
        var origin = absolute.Host is "127.0.0.1" or "localhost" ? "loopback" : absolute.Host;
        return $"{absolute.Scheme}://{origin}{absolute.AbsolutePath}?{string.Join('&', query)}";
    }

    private static string ShapeOf(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().Select(p => $"{p.Name}:{ShapeOf(p.Value)}").Order(StringComparer.Ordinal)) + "}",
        JsonValueKind.Array => "[" + (element.GetArrayLength() == 0 ? string.Empty : ShapeOf(element[0])) + "]",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Status).Append(' ').Append(ContentType).Append(" cache-control=").Append(CacheControl)
            .Append(" www-authenticate=").Append(WwwAuthenticate).Append(" allow=").Append(Allow).Append(" code=").Append(ProblemCode)
            .Append(" location=").Append(Location).Append(" body=").Append(BodyShape).Append(" headers=").Append(HeaderNames);
        return text.ToString();
    }
}
