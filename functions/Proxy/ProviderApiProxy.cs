using System.Net;
using System.Net.Http.Headers;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Outbound;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Providers;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Proxy;

/// <summary>
/// Calls a provider's API as the user, for an admitted caller with <c>credentials:proxy</c>: the connection's token comes
/// from the same <see cref="AccessTokenService"/> (cache, single flight, refresh) and never leaves the service. The target
/// is checked before anything is sent (<see cref="ProxyTarget"/>); a 401 renews the token once and sends once more; a
/// redirect out of the API is refused; the answer streams back (<see cref="ProxiedAnswer"/>). A call is audited as
/// attempted before it is sent (nothing is sent when that fails) and with its result after, never with its query or body,
/// and counted by provider and status class. A method override in the query is refused. See docs/proxy.md.
/// </summary>
public sealed partial class ProviderApiProxy(
    ConnectionStore store,
    ProviderCatalog providers,
    AccessTokenService tokens,
    IHttpClientFactory httpClients,
    ProviderRateGovernor governor,
    AuditLog audit,
    ServiceMetrics metrics,
    IOptions<ProxyOptions> options,
    TimeProvider time,
    ILogger<ProviderApiProxy> logger)
{
    public const string HttpClientName = "Credentials.ProviderApi";

    /// <summary>The token is used at once, so it only needs to outlive the call.</summary>
    private static readonly TimeSpan TokenMinValidity = TimeSpan.FromMinutes(1);

    private const int MaxAuditedPathLength = 512;

    /// <param name="allowedBecause">The authorization decision's reason, recorded in the audit event.</param>
    /// <param name="authorizedApi">The API the permission was granted on (<see cref="ApiNameAsync"/>); null: granted on the connection or above.</param>
    public async Task<Result<ProxiedAnswer, ProxyFailure>> ForwardAsync(
        HttpRequest request, ConnectionKey connection, string callerId, string? allowedBecause, string? authorizedApi = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var prefix = ProxyTarget.Prefix(connection.UserId, connection.ConnectionId);
        var call = new Call(request.Method, Shorten(request.Headers[ProxyHeaders.ApiHeader].ToString(), 64), "/");
        var raw = ProxyTarget.RawPathAndQuery(request, prefix);
        var record = raw is null ? null : await store.GetRecentAsync(connection, request.HttpContext.RequestAborted);
        var provider = record is null ? null : providers.Find(record.ProviderId);
        Result<ProxiedAnswer, ProxyFailure> result;
        var attempted = false;
        var (failure, checkedCall, api, target) = Check(request.Method, raw, record, provider, call, authorizedApi);
        call = checkedCall;
        if (failure is not null)
        {
            result = failure;
        }
        else
        {
            // Audit before acting: the attempt is counted before anything is sent, so a full audit throws here
            // (503 audit_unavailable) and the provider never sees the request.
            await audit.CountAsync(ProxyEvent(request, connection, callerId, "attempted", $"{call.Method} {call.Api} {call.Path}", allowedBecause),
                RollupClass.Access, CancellationToken.None);
            attempted = true;
            result = await SendAsync(request, new AccessTokenRequest(connection, TokenMinValidity, callerId, CorrelationId.Establish(request.HttpContext),
                allowedBecause, HandedOut: false), provider!, api!, target!, prefix);
        }

        var outcome = result.Succeeded ? $"{result.Value.StatusCode / 100}xx" : "refused:" + result.Failure.Reason;
        metrics.Proxied(record?.ProviderId ?? "unknown", outcome, time.GetElapsedTime(started));
        try
        {
            await audit.CountAsync(ProxyEvent(request, connection, callerId, result.Succeeded ? "forwarded" : "refused",
                $"{call.Method} {call.Api} {call.Path} {(result.Succeeded ? result.Value.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : result.Failure.Reason.ToString())}",
                allowedBecause), RollupClass.Access, CancellationToken.None);
        }
        catch (AuditUnavailableException) when (attempted)
        {
            // The call is audited already (its attempt, before it was sent); only its result could not be counted. The
            // provider has acted, so its answer is passed on: a 503 now would invite a retry of a call that took effect.
            LogResultUnaudited(logger, record?.ProviderId ?? "unknown", call.Api);
        }
        catch
        {
            // No unaudited answer: the provider's answer is dropped unread and the audit failure answers instead.
            if (result.Succeeded)
            {
                result.Value.Dispose();
            }

            throw;
        }

        return result;
    }

    private async Task<Result<ProxiedAnswer, ProxyFailure>> SendAsync(
        HttpRequest request, AccessTokenRequest tokenRequest, ProviderDefinition provider, ProviderApi api, Uri target, string prefix)
    {
        var limits = options.Value;
        if (request.ContentLength > limits.MaxRequestBytes)
        {
            return new ProxyFailure(ProxyFailureReason.RequestTooLarge, $"The body is larger than {limits.MaxRequestBytes} bytes.");
        }

        var body = await ProxyRequestBody.ReadAsync(request, limits);
        using var deadline = new CancellationTokenSource(limits.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted, deadline.Token);
        try
        {
            var token = await tokens.GetAsync(tokenRequest, linked.Token);
            if (!token.Succeeded)
            {
                return new ProxyFailure(ProxyFailureReason.TokenUnavailable, "No access token for the connection.", token.Failure);
            }

            if (await governor.AdmitAsync(provider.Id, api.Name, deferrable: false, linked.Token) is { } wait)
            {
                return new ProxyFailure(ProxyFailureReason.RateLimited, "The provider API's rate limit, learned from its answers, leaves nothing now; nothing was sent.",
                    RetryAfter: wait);
            }

            var response = await SendOnceAsync(request, body, target, provider, token.Value, linked.Token);
            await governor.ObserveAsync(provider.Id, api.Name, response, CancellationToken.None);
            // A submitted secret has nothing to renew: its 401 goes back to the caller as it is.
            if (response.StatusCode == HttpStatusCode.Unauthorized && body.IsReplayable && provider.Secret is null)
            {
                response.Dispose();
                var renewed = await tokens.GetAsync(tokenRequest with { Renew = true }, linked.Token);
                if (!renewed.Succeeded)
                {
                    return new ProxyFailure(ProxyFailureReason.TokenUnavailable, "The provider refused the token and no renewed one could be had.", renewed.Failure);
                }

                response = await SendOnceAsync(request, body, target, provider, renewed.Value, linked.Token);
                await governor.ObserveAsync(provider.Id, api.Name, response, CancellationToken.None);
            }

            return Answer(response, provider, api, target, prefix);
        }
        catch (Exception exception) when (exception is RequestBodyTooLargeException || exception.InnerException is RequestBodyTooLargeException)
        {
            return new ProxyFailure(ProxyFailureReason.RequestTooLarge, $"The body is larger than {limits.MaxRequestBytes} bytes.");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogFailed(logger, provider.Id, api.Name, "timeout");
            return new ProxyFailure(ProxyFailureReason.ProviderTimeout, $"No answer within {limits.Timeout.TotalSeconds:0} s (Proxy:Timeout).");
        }
        catch (HttpRequestException exception) when (OutboundAddressRefusedException.IsCauseOf(exception))
        {
            return new ProxyFailure(ProxyFailureReason.AddressRefused,
                "The API's host resolves to a loopback, private, link-local or metadata address, which the service never connects to; nothing was sent.");
        }
        catch (HttpRequestException exception)
        {
            LogFailed(logger, provider.Id, api.Name, exception.HttpRequestError.ToString());
            return new ProxyFailure(ProxyFailureReason.ProviderUnreachable, "The provider's API could not be reached.");
        }
    }

    private Result<ProxiedAnswer, ProxyFailure> Answer(HttpResponseMessage response, ProviderDefinition provider, ProviderApi api, Uri target, string prefix)
    {
        string? location = null;
        if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } redirect
            && (location = ProxyTarget.ThroughProxy(api.BaseUrl!, target, redirect, prefix)) is null)
        {
            response.Dispose();
            return new ProxyFailure(ProxyFailureReason.RedirectRefused, "The provider redirected outside its API; the proxy does not follow or pass on such a redirect.");
        }

        if (response.Content.Headers.ContentLength > options.Value.MaxResponseBytes)
        {
            response.Dispose();
            return new ProxyFailure(ProxyFailureReason.ResponseTooLarge, $"The provider's answer is larger than {options.Value.MaxResponseBytes} bytes (Proxy:MaxResponseBytes).");
        }

        return new ProxiedAnswer(response, provider.Id, location, options.Value.MaxResponseBytes, logger);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequest request, ProxyRequestBody body, Uri target, ProviderDefinition provider, IssuedAccessToken token,
        CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), target) { Content = body.CreateContent() };
        ProxyHeaders.CopyToProvider(request.Headers, message);
        if (provider.Secret is { } secret)
        {
            // An API key or basic credentials, in the header the provider's settings name (any caller header of that name is replaced).
            secret.Apply(message, token.AccessToken);
        }
        else
        {
            // Providers differ in how they spell the type ("bearer"); RFC 6750 clients send "Bearer".
            var scheme = string.Equals(token.TokenType, "bearer", StringComparison.OrdinalIgnoreCase) ? "Bearer" : token.TokenType;
            message.Headers.Authorization = new AuthenticationHeaderValue(scheme, token.AccessToken);
        }

        return await httpClients.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private AuditEvent ProxyEvent(HttpRequest request, ConnectionKey connection, string callerId, string outcome, string reason, string? allowedBecause) =>
        new(callerId, connection.UserId, connection.ConnectionId, AuditActions.Proxy, outcome, CorrelationId.Establish(request.HttpContext), time.GetUtcNow(),
            reason + (allowedBecause is null ? string.Empty : " authorized:" + allowedBecause));

    private static string Shorten(string value, int max = MaxAuditedPathLength) => value.Length <= max ? value : value[..max] + "…";

    private sealed record Call(string Method, string Api, string Path);

    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Proxying to {ProviderId} API {Api} failed: {Failure}")]
    private static partial void LogFailed(ILogger logger, string providerId, string api, string failure);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "A proxied call to {ProviderId} API {Api} was audited as attempted but its result could not be counted (audit capacity full)")]
    private static partial void LogResultUnaudited(ILogger logger, string providerId, string api);
}
