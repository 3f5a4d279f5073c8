using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Proxy;

/// <summary>
/// A provider API's answer, streamed to the caller as it arrives: its status, its headers (<see cref="ProxyHeaders"/>),
/// a redirect's <c>Location</c> pointed back through the proxy, and its body through one pooled buffer, never held
/// whole. A body longer than <paramref name="maxBytes"/> is cut off by aborting the response.
/// </summary>
public sealed partial class ProxiedAnswer(HttpResponseMessage upstream, string providerId, string? location, long maxBytes, ILogger logger) : IActionResult, IDisposable
{
    private const int BufferBytes = 64 * 1024;

    public int StatusCode => (int)upstream.StatusCode;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        using (upstream)
        {
            response.StatusCode = StatusCode;
            ProxyHeaders.CopyToCaller(upstream, response);
            if (location is not null)
            {
                response.Headers.Location = location;
            }

            response.Headers.CacheControl = "no-store";
            if (HttpMethods.IsHead(context.HttpContext.Request.Method))
            {
                return;
            }

            var aborted = context.HttpContext.RequestAborted;
            await using var body = await upstream.Content.ReadAsStreamAsync(aborted);
            var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
            try
            {
                long copied = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, aborted)) > 0)
                {
                    copied += read;
                    if (copied > maxBytes)
                    {
                        LogCutOff(logger, providerId, maxBytes);
                        context.HttpContext.Abort();
                        return;
                    }

                    await response.Body.WriteAsync(buffer.AsMemory(0, read), aborted);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    public void Dispose() => upstream.Dispose();

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "A {ProviderId} API answer was cut off after {Limit} bytes (Proxy:MaxResponseBytes)")]
    private static partial void LogCutOff(ILogger logger, string providerId, long limit);
}
