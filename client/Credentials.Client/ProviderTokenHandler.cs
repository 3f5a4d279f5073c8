using System.Net;
using System.Net.Http.Headers;

namespace Credentials.Client;

/// <summary>Names the user's connection whose token a provider API request carries.</summary>
public static class CredentialsRequestOptions
{
    /// <summary>The request option that holds the user id; set it with <see cref="ForConnection"/>.</summary>
    public static readonly HttpRequestOptionsKey<string> UserId = new("Credentials.UserId");

    /// <summary>The request option that holds the connection id; set it with <see cref="ForConnection"/>.</summary>
    public static readonly HttpRequestOptionsKey<string> ConnectionId = new("Credentials.ConnectionId");

    /// <summary>Names the user's connection whose access token <see cref="ProviderTokenHandler"/> puts on <paramref name="request"/>.</summary>
    /// <param name="request">A request to a provider's API, sent through a client with <see cref="ProviderTokenHandler"/>.</param>
    /// <param name="userId">The user the request acts for.</param>
    /// <param name="connectionId">The user's connection, e.g. <c>google</c>.</param>
    /// <returns>The same request, for chaining.</returns>
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
    /// <summary>Why no token could be had: the outcome of the token call.</summary>
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
    /// <summary>Sends <paramref name="request"/> with the connection's token, and once more with a renewed one after a 401.</summary>
    /// <exception cref="ProviderTokenUnavailableException">No token could be had; its <see cref="ProviderTokenUnavailableException.Result"/> says why.</exception>
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
#if NET9_0_OR_GREATER
            await request.Content.LoadIntoBufferAsync(cancellationToken);
#else
            await request.Content.LoadIntoBufferAsync();
#endif
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
