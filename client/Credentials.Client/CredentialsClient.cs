using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Credentials.Client;

internal sealed partial class CredentialsClient(HttpClient http, AccessTokenStore store, IOptions<CredentialsClientOptions> options, TimeProvider time) : ICredentialsClient
{
    private static readonly TimeSpan MaxMinValidity = TimeSpan.FromHours(1);

    public Task<AccessTokenResult> GetAccessTokenAsync(string userId, string connectionId, TimeSpan? minValidity = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        return GetAsync(TokenKey.Of(userId, connectionId), minValidity, cancellationToken);
    }

    public Task<AccessTokenResult> GetAccessTokenAsync(
        string userId, string connectionId, IReadOnlyCollection<string> scopes, TimeSpan? minValidity = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        ArgumentNullException.ThrowIfNull(scopes);
        return GetAsync(TokenKey.Of(userId, connectionId, scopes), minValidity, cancellationToken);
    }

    private async Task<AccessTokenResult> GetAsync(TokenKey key, TimeSpan? minValidity, CancellationToken cancellationToken)
    {
        var margin = minValidity ?? options.Value.DefaultMinValidity;
        margin = margin < TimeSpan.Zero ? TimeSpan.Zero : margin > MaxMinValidity ? MaxMinValidity : margin;
        if (store.Find(key, margin, options.Value.MaxCacheAge) is { } cached)
        {
            return new AccessTokenResult(AccessTokenStatus.Issued, cached);
        }

        // The shared request is nobody's: one caller giving up does not cancel it for the others.
        var shared = await store.Join(key, () => RequestAsync(key, margin, renew: false)).WaitAsync(cancellationToken);
        if (shared.Succeeded && shared.Token.ExpiresAt - margin <= time.GetUtcNow())
        {
            // Joined a request made for a shorter margin than this caller needs.
            return await RequestAsync(key, margin, renew: false).WaitAsync(cancellationToken);
        }

        return shared;
    }

    public Task<AccessTokenResult> RenewAccessTokenAsync(string userId, string connectionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        var key = TokenKey.Of(userId, connectionId);
        store.Forget(key);
        // Not coalesced here: the service refreshes once for every renewal that arrives within its window.
        return RequestAsync(key, options.Value.DefaultMinValidity, renew: true).WaitAsync(cancellationToken);
    }

    private async Task<AccessTokenResult> RequestAsync(TokenKey key, TimeSpan margin, bool renew)
    {
        var path = $"api/users/{Uri.EscapeDataString(key.UserId)}/connections/{Uri.EscapeDataString(key.ConnectionId)}/access-token" +
            $"?minValiditySeconds={(int)Math.Ceiling(margin.TotalSeconds)}" + (renew ? "&renew=true" : string.Empty) +
            (key.Scopes.Length > 0 ? "&scope=" + Uri.EscapeDataString(key.Scopes) : string.Empty);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        string callerToken;
        try
        {
            callerToken = await options.Value.CallerToken!(CancellationToken.None);
        }
        catch (Exception exception)
        {
            return new AccessTokenResult(AccessTokenStatus.CallerTokenFailed, ProblemCode: ClientProblemCodes.CallerTokenFailed) { Exception = exception };
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", callerToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, CancellationToken.None);
        }
        catch (Exception exception) when (exception is HttpRequestException or ExecutionRejectedException or OperationCanceledException)
        {
            var code = exception is HttpRequestException or BrokenCircuitException ? ClientProblemCodes.ServiceUnreachable : ClientProblemCodes.ServiceTimeout;
            return new AccessTokenResult(AccessTokenStatus.Unavailable, RetryAfter: options.Value.UnavailableRetryAfter, ProblemCode: code) { Exception = exception };
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadFromJsonAsync<TokenBody>() is { AccessToken: { Length: > 0 } value } body)
            {
                var token = new ProviderAccessToken(value, body.TokenType ?? "Bearer", body.ExpiresAt,
                    (body.Scope ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries), body.Provider ?? string.Empty);
                store.Remember(key, token);
                return new AccessTokenResult(AccessTokenStatus.Issued, token);
            }

            store.Forget(key);
            var code = await ProblemCodeAsync(response);
            var status = StatusOf(response.StatusCode, code);
            var retryAfter = status == AccessTokenStatus.Unavailable ? RetryAfterOf(response) ?? options.Value.UnavailableRetryAfter : (TimeSpan?)null;
            return new AccessTokenResult(status, RetryAfter: retryAfter, ProblemCode: code);
        }
    }

    // <summary>The status of a service answer other than 200; docs/client.md has the same table.</summary>
    internal static AccessTokenStatus StatusOf(HttpStatusCode status, string? code) => status switch
    {
        HttpStatusCode.BadRequest when code is "invalid_scope" or "scope_narrowing_unsupported" or "scope_resource_not_narrowable" or "provider_scope_too_broad" =>
            AccessTokenStatus.ScopeRefused,
        HttpStatusCode.BadRequest => AccessTokenStatus.InvalidRequest,
        // Any 404 naming what was missing (connection_not_found, or a finer code for the user or connection) is the connection's;
        // not_found, or a 404 without a problem (another server), is a route the service does not have.
        HttpStatusCode.NotFound when code is null or "not_found" => AccessTokenStatus.ServiceNotFound,
        HttpStatusCode.NotFound => AccessTokenStatus.NotFound,
        HttpStatusCode.Conflict => AccessTokenStatus.ReauthorizationRequired,
        HttpStatusCode.Unauthorized => AccessTokenStatus.Unauthenticated,
        HttpStatusCode.Forbidden => AccessTokenStatus.Forbidden,
        _ => AccessTokenStatus.Unavailable,
    };

    private TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return problem.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record TokenBody(string? AccessToken, string? TokenType, DateTimeOffset ExpiresAt, string? Scope, string? Provider);
}

// <summary>The client's own <see cref="AccessTokenResult.ProblemCode"/> values, for outcomes no service answer gave.</summary>
internal static class ClientProblemCodes
{
    public const string ServiceUnreachable = "service_unreachable";
    public const string ServiceTimeout = "service_timeout";
    public const string CallerTokenFailed = "caller_token_failed";
}

// <summary>Which answers the resilience handler may retry inside one call: a wait the caller would not expect is returned instead.</summary>
internal static class RetryAfterLimits
{
    public static bool AllowsRetryWithinCall(HttpResponseMessage response, TimeSpan limit) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta <= limit,
        { Date: { } date } => date - DateTimeOffset.UtcNow <= limit,
        _ => true,
    };
}
