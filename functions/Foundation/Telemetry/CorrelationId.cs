using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Foundation.Telemetry;

/// <summary>
/// One id per request, echoed on every response. A caller-supplied id is kept only when it is short and plain,
/// so that nothing a caller sends is reflected into headers or logs unchecked.
/// </summary>
internal static class CorrelationId
{
    public const string HeaderName = "x-correlation-id";
    private const int MaxLength = 64;
    private static readonly object ItemKey = new();
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    /// <summary>Returns the request's id, choosing it on first use, and makes sure the response carries it.</summary>
    public static string Establish(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Items.TryGetValue(ItemKey, out var existing) && existing is string known)
        {
            http.Response.Headers[HeaderName] = known;
            return known;
        }

        var supplied = http.Request.Headers[HeaderName].ToString();
        var id = IsAcceptable(supplied) ? supplied : Guid.NewGuid().ToString("N");
        http.Items[ItemKey] = id;
        http.Response.Headers[HeaderName] = id;
        return id;
    }

    internal static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= MaxLength && !value.AsSpan().ContainsAnyExcept(Allowed);
}
