using System.Net;
using System.Net.Http.Headers;

namespace Credentials.Client;

/// <summary>Names the user's connection whose token a provider API request carries.</summary>
public static class CredentialsRequestOptions
{
    public static readonly HttpRequestOptionsKey<string> UserId = new("Credentials.UserId");
    public static readonly HttpRequestOptionsKey<string> ConnectionId = new("Credentials.ConnectionId");

    public static HttpRequestMessage ForConnection(this HttpRequestMessage request, string userId, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(UserId, userId);
        request.Options.Set(ConnectionId, connectionId);
        return request;
    }
}

/// <summary>Thrown by <see cref="ProviderTokenHandler"/> when no token can be had; <see cref="Result"/> says why.</summary>
public sealed class ProviderTokenUnavailableException(AccessTokenResult result)
    : HttpRequestException($"No provider access token: {result?.Status} ({result?.ProblemCode}).")
{
    public AccessTokenResult Result { get; } = result ?? throw new ArgumentNullException(nameof(result));
}

/// <summary>
/// Puts the user's provider access token on each request to a provider's API. The connection comes from the request's
/// options (<see cref="CredentialsRequestOptions.ForConnection"/>). When the API answers 401 (a token revoked or expired
/// early), it asks the service once to renew the token (<see cref="ICredentialsClient.RenewAccessTokenAsync"/>) and sends
/// once more.
/// </summary>
public sealed class ProviderTokenHandler(ICredentialsClient credentials) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(CredentialsRequestOptions.UserId, out var userId)
            || !request.Options.TryGetValue(CredentialsRequestOptions.ConnectionId, out var connectionId))
        {
            throw new InvalidOperationException("Name the connection with request.ForConnection(userId, connectionId).");
        }

        if (request.Content is not null)
        {
            // Buffered, so that the same body can be sent again after a 401.
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        Authorize(request, await credentials.GetAccessTokenAsync(userId, connectionId, null, cancellationToken));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        using var retry = Copy(request);
        Authorize(retry, await credentials.RenewAccessTokenAsync(userId, connectionId, cancellationToken));
        return await base.SendAsync(retry, cancellationToken);
    }

    private static void Authorize(HttpRequestMessage request, AccessTokenResult result)
    {
        if (!result.Succeeded)
        {
            throw new ProviderTokenUnavailableException(result);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue(result.Token.TokenType, result.Token.Value);
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Content = request.Content, Version = request.Version };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in request.Options)
        {
            ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        }

        return copy;
    }
}
