using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Credentials.Functions.Providers;

/// <summary>
/// Token and revocation requests to a provider (RFC 6749 §4.1.3 and §6, RFC 7009). One attempt per call: retry policy
/// belongs to the caller, because a code may only be redeemed once. Failures come back as values, classified so the
/// caller knows whether the grant is gone, the request is wrong, or the provider is merely unavailable.
/// </summary>
public sealed partial class ProviderTokenClient(IHttpClientFactory httpClients, ProviderRateGovernor governor, TimeProvider time, ILogger<ProviderTokenClient> logger)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    private const long MaxAccessTokenLifetimeSeconds = 366L * 24 * 60 * 60;

    public Task<Result<TokenGrant, TokenFailure>> ExchangeCodeAsync(
        ProviderDefinition provider, ProviderEndpoints endpoints, string code, Uri redirectUri, string? codeVerifier, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri.AbsoluteUri,
        };
        if (codeVerifier is not null)
        {
            form["code_verifier"] = codeVerifier;
        }

        return RequestTokensAsync(provider, endpoints.TokenEndpoint, form, cancellationToken);
    }

    /// <param name="scopes">Ask for a token of these scopes only (RFC 6749 §6); null: the grant's own scopes.</param>
    public Task<Result<TokenGrant, TokenFailure>> RefreshAsync(
        ProviderDefinition provider, ProviderEndpoints endpoints, string refreshToken, IReadOnlyList<string>? scopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        };
        if (scopes is not null)
        {
            form["scope"] = string.Join(provider.ScopeSeparator, scopes);
        }

        return RequestTokensAsync(provider, endpoints.TokenEndpoint, form, cancellationToken);
    }

    /// <summary>RFC 7009 revocation: null when the provider confirmed (it answers 200 for unknown tokens too), else why not.</summary>
    public async Task<TokenFailure?> RevokeAsync(ProviderDefinition provider, Uri revocationEndpoint, string token, string tokenTypeHint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        using var request = CreateRequest(provider, revocationEndpoint, new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = tokenTypeHint });
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            using var response = await httpClients.CreateClient(ProviderEndpointResolver.HttpClientName).SendAsync(request, timeout.Token);
            await governor.ObserveAsync(provider.Id, null, response, CancellationToken.None);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            LogRevocationRefused(logger, provider.Id, (int)response.StatusCode);
            return new TokenFailure((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests
                ? TokenFailureKind.Unavailable : TokenFailureKind.Rejected, $"http_{(int)response.StatusCode}");
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogProviderUnreachable(logger, provider.Id, exception.GetType().Name);
            return new TokenFailure(TokenFailureKind.Unavailable, "provider_unreachable");
        }
    }

    private async Task<Result<TokenGrant, TokenFailure>> RequestTokensAsync(
        ProviderDefinition provider, Uri tokenEndpoint, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        using var request = CreateRequest(provider, tokenEndpoint, form);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            using var response = await httpClients.CreateClient(ProviderEndpointResolver.HttpClientName).SendAsync(request, timeout.Token);
            await governor.ObserveAsync(provider.Id, null, response, CancellationToken.None);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return Read(provider, response, body);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogProviderUnreachable(logger, provider.Id, exception.GetType().Name);
            return new TokenFailure(TokenFailureKind.Unavailable, "provider_unreachable");
        }
    }

    private static HttpRequestMessage CreateRequest(ProviderDefinition provider, Uri endpoint, Dictionary<string, string> form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        // GitHub answers form-encoded unless JSON is asked for; everyone else ignores the header.
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (provider.ClientAuthentication == ClientAuthenticationMethod.ClientSecretBasic)
        {
            var credentials = $"{Uri.EscapeDataString(provider.ClientId)}:{Uri.EscapeDataString(provider.ClientSecret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        else
        {
            form["client_id"] = provider.ClientId;
            form["client_secret"] = provider.ClientSecret;
        }

        request.Content = new FormUrlEncodedContent(form);
        return request;
    }

    private Result<TokenGrant, TokenFailure> Read(ProviderDefinition provider, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        if (status == 429 || status >= 500)
        {
            LogProviderFailed(logger, provider.Id, status, "unavailable");
            return new TokenFailure(TokenFailureKind.Unavailable, status == 429 ? "rate_limited" : "provider_error", RetryAfter(response));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            Array.Clear(body);
            LogProviderFailed(logger, provider.Id, status, "unreadable_response");
            return new TokenFailure(status >= 400 ? TokenFailureKind.Rejected : TokenFailureKind.Unavailable, "invalid_response");
        }

        // The document reads straight from the body buffer, so the buffer is cleared only after the tokens are copied out.
        try
        {
            return Interpret(provider, response, status, document.RootElement);
        }
        finally
        {
            document.Dispose();
            Array.Clear(body);
        }
    }

    private Result<TokenGrant, TokenFailure> Interpret(ProviderDefinition provider, HttpResponseMessage response, int status, JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            LogProviderFailed(logger, provider.Id, status, "response_not_an_object");
            return new TokenFailure(status >= 500 ? TokenFailureKind.Unavailable : TokenFailureKind.Rejected, "invalid_response");
        }

        // GitHub and Slack report errors inside 200 responses; Slack adds "ok": false.
        var error = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        var slackFailure = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False;
        if (status >= 400 || error is not null || slackFailure)
        {
            var code = SafeErrorCode(error ?? (status >= 400 ? $"http_{status}" : "invalid_response"));
            var kind = code == "invalid_grant" || provider.InvalidGrantErrors.Contains(code, StringComparer.Ordinal) ? TokenFailureKind.InvalidGrant
                : code is "invalid_client" or "unauthorized_client" ? TokenFailureKind.Misconfigured
                : code == "temporarily_unavailable" ? TokenFailureKind.Unavailable
                : TokenFailureKind.Rejected;
            LogProviderFailed(logger, provider.Id, status, code);
            return new TokenFailure(kind, kind == TokenFailureKind.InvalidGrant ? "invalid_grant" : code, RetryAfter(response));
        }

        var accessToken = ReadString(json, "access_token");
        if (accessToken is null)
        {
            LogProviderFailed(logger, provider.Id, status, "no_access_token");
            return new TokenFailure(TokenFailureKind.Rejected, "invalid_response");
        }

        TimeSpan lifetime;
        if (!json.TryGetProperty("expires_in", out var expires))
        {
            lifetime = provider.DefaultAccessTokenLifetime;
        }
        else if (TryReadSeconds(expires, out var seconds) && seconds is > 0 and <= MaxAccessTokenLifetimeSeconds)
        {
            lifetime = TimeSpan.FromSeconds(seconds);
        }
        else
        {
            // Zero, negative, not a number, or more than a year (which would not even fit a date): a response this
            // service cannot trust to say how long its token lives.
            LogProviderFailed(logger, provider.Id, status, "invalid_expires_in");
            return new TokenFailure(TokenFailureKind.Rejected, "invalid_response");
        }

        var scope = ReadString(json, "scope");
        return new TokenGrant(
            accessToken,
            ReadString(json, "token_type") ?? "Bearer",
            time.GetUtcNow() + lifetime,
            ReadString(json, "refresh_token") is { Length: > 0 } refresh ? refresh : null,
            scope?.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries),
            provider.InstanceUrlParameter is { } parameter ? ProviderApi.InstanceUrl(ReadString(json, parameter), provider.InstanceUrlHosts) : null,
            IdTokenAccount.From(ReadString(json, "id_token")));
    }

    private static string? ReadString(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryReadSeconds(JsonElement value, out long seconds)
    {
        seconds = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out seconds),
            JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds),
            _ => false,
        };
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => Foundation.Resilience.RetryAfterHeader.Of(response, time);

    /// <summary>Provider error codes are echoed to callers and stored; keep them to RFC 6749's error character set and length.</summary>
    private static string SafeErrorCode(string code) =>
        code.Length is > 0 and <= 64 && code.All(c => c is '_' or '-' or '.' || char.IsAsciiLetterOrDigit(c)) ? code : "provider_error";

    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "Provider {ProviderId} token request failed: HTTP {Status}, {ErrorCode}")]
    private static partial void LogProviderFailed(ILogger logger, string providerId, int status, string errorCode);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Provider {ProviderId} could not be reached ({Failure})")]
    private static partial void LogProviderUnreachable(ILogger logger, string providerId, string failure);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Provider {ProviderId} refused a revocation: HTTP {Status}")]
    private static partial void LogRevocationRefused(ILogger logger, string providerId, int status);
}
