using System.Net;
using System.Net.Http.Headers;
using Credentials.Functions.Foundation.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl.Authress;

/// <summary>
/// The calls this service makes to Authress (spec: docs/authorization.md). Each path parameter is one fully
/// percent-encoded segment. Network errors and 5xx are retried with short exponential backoff; 429 is not.
/// </summary>
public sealed partial class AuthressClient(
    IHttpClientFactory httpClients,
    AuthressServiceTokenProvider tokens,
    IOptions<AuthressOptions> options,
    TimeProvider time,
    ILogger<AuthressClient> logger)
{
    public const string HttpClientName = "authress";
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary><c>GET /v1/users/{userId}/resources/{resourceUri}/permissions/{permission}</c>: 200 allows, 404 denies.</summary>
    public async Task<AuthressDecision> AuthorizeUserAsync(string userId, string resourceUri, string permission, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var path = $"v1/users/{Uri.EscapeDataString(userId)}/resources/{Uri.EscapeDataString(resourceUri)}/permissions/{Uri.EscapeDataString(permission)}";
        var requestUri = new Uri(settings.ApiBaseUrl!.AbsoluteUri.TrimEnd('/') + "/" + path);
        using var client = httpClients.CreateClient(HttpClientName);
        // Retries share one budget: a hanging Authress costs a caller at most TotalTimeout, not attempts × timeout.
        var deadline = time.GetUtcNow() + settings.TotalTimeout;

        for (var attempt = 0; ; attempt++)
        {
            var remaining = deadline - time.GetUtcNow();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(remaining < settings.RequestTimeout ? remaining : settings.RequestTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, requestUri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetToken());
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        return new AuthressDecision(AuthressVerdict.Allowed, "granted");
                    case HttpStatusCode.NotFound:
                        return new AuthressDecision(AuthressVerdict.Denied, "no_grant");
                    case HttpStatusCode.TooManyRequests:
                        LogThrottled(logger);
                        return new AuthressDecision(AuthressVerdict.Unavailable, "authress_throttled", RetryAfter(response));
                    case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                        LogServiceClientRejected(logger, (int)response.StatusCode);
                        return new AuthressDecision(AuthressVerdict.Unavailable, "authress_rejected_service_client", DefaultRetryAfter);
                    case >= HttpStatusCode.InternalServerError when attempt < settings.MaxRetries
                        && deadline - time.GetUtcNow() > Backoff.Delay(attempt + 1, MaxBackoff):
                        break;
                    default:
                        LogUnexpectedStatus(logger, (int)response.StatusCode);
                        return new AuthressDecision(AuthressVerdict.Unavailable, "authress_unavailable", DefaultRetryAfter);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= settings.MaxRetries || deadline - time.GetUtcNow() <= Backoff.Delay(attempt + 1, MaxBackoff))
                {
                    LogUnreachable(logger, exception, attempt + 1);
                    return new AuthressDecision(AuthressVerdict.Unavailable, "authress_unreachable", DefaultRetryAfter);
                }
            }

            await Task.Delay(Backoff.Delay(attempt + 1, MaxBackoff), time, cancellationToken);
        }
    }

    private TimeSpan RetryAfter(HttpResponseMessage response) => Foundation.Resilience.RetryAfterHeader.Of(response, time) ?? DefaultRetryAfter;

    [LoggerMessage(EventId = 4200, Level = LogLevel.Warning, Message = "Authress throttled an authorization check (429); failing closed")]
    private static partial void LogThrottled(ILogger logger);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Error,
        Message = "Authress answered {Status} to this service client: check Authress:AccessKey and the client's permission to check users; failing closed")]
    private static partial void LogServiceClientRejected(ILogger logger, int status);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Authress answered {Status}; failing closed")]
    private static partial void LogUnexpectedStatus(ILogger logger, int status);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Error, Message = "Authress could not be reached after {Attempts} attempts; failing closed")]
    private static partial void LogUnreachable(ILogger logger, Exception exception, int attempts);
}
