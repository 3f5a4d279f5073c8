using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Api;

/// <summary>Small request bodies (JSON, or a form), read no further than a limit.</summary>
internal static class JsonBody
{
    public const int MaxBytes = 16 * 1024;

    /// <summary>The body as <typeparamref name="T"/>, or null when it is larger than <see cref="MaxBytes"/> or not such JSON.</summary>
    public static async Task<T?> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await ReadLimitedAsync(request.Body, request.HttpContext.RequestAborted) is not { } json)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json.Span);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The body, or null when it is larger than <see cref="MaxBytes"/> (read no further than that).</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadLimitedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        // Not a conditional expression: `? null : Memory<byte>` converts the null through byte[] into an empty Memory, so
        // an over-size body read as an empty one (a form answered unsupported_grant_type, JSON as malformed).
        if (total > MaxBytes)
        {
            return null;
        }

        return buffer.AsMemory(0, total);
    }
}
