using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Proxy;

/// <summary>
/// The caller's request body as the proxy forwards it: none; small and held in memory, so it can be sent again after a
/// 401 (<see cref="IsReplayable"/>); or streamed through once, with the size limit enforced while it flows.
/// </summary>
internal sealed class ProxyRequestBody
{
    private readonly byte[]? _buffered;
    private readonly Stream? _streamed;

    private ProxyRequestBody(byte[]? buffered, Stream? streamed)
    {
        _buffered = buffered;
        _streamed = streamed;
    }

    public bool IsReplayable => _streamed is null;

    public static async Task<ProxyRequestBody> ReadAsync(HttpRequest request, ProxyOptions limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        var length = request.ContentLength;
        if (length == 0 || (length is null && request.Headers.TransferEncoding.Count == 0))
        {
            return new ProxyRequestBody(null, null);
        }

        if (length is { } known && known <= limits.ReplayableBodyBytes)
        {
            var buffer = new byte[known];
            await request.Body.ReadExactlyAsync(buffer, request.HttpContext.RequestAborted);
            return new ProxyRequestBody(buffer, null);
        }

        return new ProxyRequestBody(null, new LimitedReadStream(request.Body, limits.MaxRequestBytes));
    }

    /// <summary>The content for one send; the caller's content headers are added by <see cref="ProxyHeaders"/>.</summary>
    public HttpContent? CreateContent() =>
        _buffered is not null ? new ByteArrayContent(_buffered)
        : _streamed is not null ? new StreamContent(_streamed)
        : null;
}
